package index

import (
	"bytes"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	// Shards written when every pair was indexed name Bleve's shingle
	// filter in their mapping: it must be registered to open them.
	_ "github.com/blevesearch/bleve/v2/analysis/token/shingle"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// Field and analyzer names.
const (
	FieldText       = "text"
	FieldExact      = "text_exact"
	FieldPairs      = "text_pairs"
	FieldTranscript = "transcript"
	FieldSpeaker    = "speaker"
	FieldSeq        = "seq"

	analyzerStem  = "alongside_stem"
	analyzerExact = "alongside_exact"
	analyzerPairs = "alongside_common_pairs_1" // a new list needs a new name (pairs.go)
	pairsTF       = "alongside_common_pairs_1"

	// allPairsAnalyzer is the analyzer of shards written when every pair
	// was indexed (a shingle filter); they hold the common pairs too.
	allPairsAnalyzer = "alongside_pairs"
	apostropheTF     = "alongside_apostrophe"
)

// apostropheFilter writes every apostrophe-like character in a term as a
// straight apostrophe, so "user’s" and "user's" are the same word. It works
// on terms, not on the text, so offsets stay exact.
type apostropheFilter struct{}

var curly = [][]byte{[]byte("’"), []byte("‘"), []byte("＇"), []byte("ʼ")}

func (apostropheFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, tok := range in {
		for _, c := range curly {
			if bytes.Contains(tok.Term, c) {
				tok.Term = bytes.ReplaceAll(tok.Term, c, []byte("'"))
			}
		}
	}
	return in
}

// ApostropheFilter names the token filter that folds apostrophes, for
// analyzers outside the index that must see words as the index does.
const ApostropheFilter = apostropheTF

func init() {
	registry.RegisterTokenFilter(apostropheTF, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return apostropheFilter{}, nil
	})
}

// NewMapping returns the index mapping for passages.
func NewMapping() (mapping.IndexMapping, error) {
	m := bleve.NewIndexMapping()
	if err := m.AddCustomAnalyzer(analyzerStem, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{apostropheTF, lowercase.Name, en.PossessiveName, en.SnowballStemmerName},
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerExact, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{apostropheTF, lowercase.Name},
	}); err != nil {
		return nil, err
	}
	// Adjacent pairs of common stemmed words, one term each ("you know"): a
	// phrase of common words walks the few passages holding its pairs
	// instead of every passage holding its words ("little bit" took 450 ms
	// at 30 M words). See pairs.go.
	if err := m.AddCustomTokenFilter(pairsTF, map[string]interface{}{
		"type": commonPairsType, "common": commonWords,
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerPairs, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{apostropheTF, lowercase.Name, en.PossessiveName, en.SnowballStemmerName, pairsTF},
	}); err != nil {
		return nil, err
	}
	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		f.DocValues = false // nothing sorts or facets on it
		return f
	}
	kw := bleve.NewKeywordFieldMapping()
	kw.Analyzer = keyword.Name
	kw.Store = false
	kw.IncludeInAll = false
	kw.IncludeTermVectors = false
	kw.DocValues = false

	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(FieldText, text(analyzerStem))
	doc.AddFieldMappingsAt(FieldExact, text(analyzerExact))
	pairs := text(analyzerPairs)
	pairs.IncludeTermVectors = false // a filter: positions come from "text"
	doc.AddFieldMappingsAt(FieldPairs, pairs)
	doc.AddFieldMappingsAt(FieldTranscript, kw)
	doc.AddFieldMappingsAt(FieldSpeaker, kw)
	seq := bleve.NewNumericFieldMapping()
	seq.Store = false
	seq.IncludeInAll = false
	seq.DocValues = false
	doc.AddFieldMappingsAt(FieldSeq, seq)
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerStem
	m.DefaultField = FieldText
	m.StoreDynamic = false
	m.IndexDynamic = false
	return m, nil
}

// Analyze returns the terms the named field's analyzer makes of text.
func analyze(m mapping.IndexMapping, field, text string) []string {
	name := analyzerStem
	switch field {
	case FieldExact:
		name = analyzerExact
	case FieldPairs:
		name = analyzerPairs
	}
	a := m.AnalyzerNamed(name)
	var out []string
	for _, tok := range a.Analyze([]byte(text)) {
		out = append(out, string(tok.Term))
	}
	return out
}
