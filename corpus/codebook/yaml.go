package codebook

import (
	"bytes"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// ParseYAML reads the analyst's YAML codebook:
//
//	name: Collaboration in recovery-oriented practice
//	codes:
//	  - name: Interactive-dialogic processes
//	    codes:
//	      - name: Walking alongside
//	        description: Being a companion on an equal footing.
//	        keywords: ['"walking alongside"', '"walk with"~2']
//	        exclude: ['"alongside the road"']
//	        speakers: [client, S]
//	        unit: sentence
//	        examples: ["she came with me, not ahead of me"]
//
// It works on the yaml package's node tree, so every error has a line, and unknown
// keys are refused (a typo such as "keywrods" would otherwise silently
// disable a code).
func ParseYAML(name string, data []byte) (*Codebook, error) {
	var errs Errors
	return done(parseYAML(name, data, &errs), &errs, nil)
}

// parseYAML reads what it can, adding every problem to errs: a problem
// in one code does not hide those in the next.
func parseYAML(name string, data []byte, errs *Errors) *Codebook {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	fail := func(line int, msg string) *Codebook {
		*errs = append(*errs, &Error{File: name, Line: line, Msg: msg})
		return nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fail(0, err.Error())
	}
	if len(root.Content) == 0 {
		return fail(0, "empty codebook")
	}
	doc := root.Content[0]
	cb := &Codebook{Source: name}
	if doc.Kind != yaml.MappingNode {
		return fail(doc.Line, "a codebook is a mapping with name: and codes:")
	}
	before := len(*errs)
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "name":
			cb.Name = v.Value
		case "codes":
			cb.Codes = yamlCodes(name, v, errs)
		default:
			fail(k.Line, fmt.Sprintf("unknown key %q (use name and codes)", k.Value))
		}
	}
	if len(cb.Codes) == 0 && len(*errs) == before {
		return fail(doc.Line, "no codes")
	}
	return cb
}

func yamlCodes(file string, n *yaml.Node, errs *Errors) []*Code {
	if n.Kind != yaml.SequenceNode {
		*errs = append(*errs, &Error{File: file, Line: n.Line, Msg: "codes: must be a list (each item starting with - name: ...)"})
		return nil
	}
	var out []*Code
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			*errs = append(*errs, &Error{File: file, Line: item.Line, Msg: "each code is a mapping with at least name:"})
			continue
		}
		c := &Code{Line: item.Line}
		// The name first, so that every problem of the code can name it.
		for i := 0; i+1 < len(item.Content); i += 2 {
			if k, v := item.Content[i], item.Content[i+1]; k.Value == "name" && v.Kind == yaml.ScalarNode {
				c.Name = v.Value
			}
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			var err error
			switch k.Value {
			case "name":
				c.Name, err = yamlScalar(file, c, k.Value, v)
			case "description":
				c.Description, err = yamlScalar(file, c, k.Value, v)
			case "unit":
				c.Unit, err = yamlScalar(file, c, k.Value, v)
			case "keywords":
				c.Keywords, err = yamlRules(file, c, k.Value, v)
			case "exclude":
				c.Exclude, err = yamlRules(file, c, k.Value, v)
			case "speakers":
				var rules []Rule
				rules, err = yamlRules(file, c, k.Value, v)
				for _, r := range rules {
					c.Speakers = append(c.Speakers, r.Query)
				}
			case "examples":
				var rules []Rule
				rules, err = yamlRules(file, c, k.Value, v)
				for _, r := range rules {
					c.Examples = append(c.Examples, r.Query)
				}
			case "codes":
				c.Codes = yamlCodes(file, v, errs)
			default:
				err = &Error{File: file, Line: k.Line, Code: c.Name, Msg: fmt.Sprintf("unknown key %q (use name, description, keywords, exclude, speakers, unit, examples, codes)", k.Value)}
			}
			if err != nil {
				*errs = append(*errs, err.(*Error))
			}
		}
		out = append(out, c)
	}
	return out
}

func yamlScalar(file string, c *Code, key string, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", &Error{File: file, Line: v.Line, Code: c.Name, Msg: key + ": must be a single value"}
	}
	return v.Value, nil
}

// yamlRules reads a list of strings (or one string) with their lines.
func yamlRules(file string, c *Code, key string, v *yaml.Node) ([]Rule, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Value == "" {
			return nil, nil
		}
		return []Rule{{Query: v.Value, Line: v.Line}}, nil
	case yaml.SequenceNode:
		var out []Rule
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, &Error{File: file, Line: item.Line, Code: c.Name, Msg: key + ": each item must be one value (quote a phrase: '\"walking alongside\"')"}
			}
			out = append(out, Rule{Query: item.Value, Line: item.Line})
		}
		return out, nil
	}
	return nil, &Error{File: file, Line: v.Line, Code: c.Name, Msg: key + ": must be a list"}
}

// yamlCode is how WriteYAML lays out a code: the keys in the order an
// analyst reads them, empty ones left out.
type yamlCode struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description,omitempty"`
	Keywords    []string   `yaml:"keywords,omitempty"`
	Exclude     []string   `yaml:"exclude,omitempty"`
	Speakers    []string   `yaml:"speakers,omitempty"`
	Unit        string     `yaml:"unit,omitempty"`
	Examples    []string   `yaml:"examples,omitempty"`
	Codes       []yamlCode `yaml:"codes,omitempty"`
}

// WriteYAML writes cb in the layout ParseYAML reads; the unit is written
// only when it is turn.
func WriteYAML(w io.Writer, cb *Codebook) error {
	var conv func([]*Code) []yamlCode
	conv = func(cs []*Code) []yamlCode {
		var out []yamlCode
		for _, c := range cs {
			y := yamlCode{Name: c.Name, Description: c.Description, Speakers: c.Speakers, Examples: c.Examples, Codes: conv(c.Codes)}
			for _, r := range c.Keywords {
				y.Keywords = append(y.Keywords, r.Query)
			}
			for _, r := range c.Exclude {
				y.Exclude = append(y.Exclude, r.Query)
			}
			if c.Unit == UnitTurn {
				y.Unit = c.Unit
			}
			out = append(out, y)
		}
		return out
	}
	doc := struct {
		Name  string     `yaml:"name,omitempty"`
		Codes []yamlCode `yaml:"codes"`
	}{cb.Name, conv(cb.Codes)}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing codebook %s: %w", cb.Source, err)
	}
	return enc.Close()
}
