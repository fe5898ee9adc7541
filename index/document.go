package index

import (
	"fmt"
	"reflect"

	"github.com/blevesearch/bleve/v2/analysis"
	bdoc "github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/alongside-qda/alongside/corpus"
)

// Documents makes passages into Bleve documents as the mapping does, but
// analyses each sentence once for its three text fields: the mapping's
// analyzers would tokenize it three times (stemmed, exact, pairs) and stem
// it twice, and that third analysis, not the pairs it yields, was most of
// what the word pairs cost (an empty list of common words cost as much as
// the full one). The fields, their options and their terms are the
// mapping's own: the mapping makes the document, and only the text fields'
// analyzers are replaced by ones that share one analysis, made with the
// mapping's tokenizer and token filters.
type Documents struct {
	m         mapping.IndexMapping
	tokenizer analysis.Tokenizer
	exact     []analysis.TokenFilter // the exact analyzer's filters
	stem      []analysis.TokenFilter // the stemmed analyzer's filters after those
	pairs     analysis.TokenFilter   // the pairs analyzer's last filter, after the stemmed ones
}

// NewDocuments returns a Documents for mapping m (from NewMapping).
func NewDocuments(m mapping.IndexMapping) (*Documents, error) {
	get := func(name string) (*analysis.DefaultAnalyzer, error) {
		a, ok := m.AnalyzerNamed(name).(*analysis.DefaultAnalyzer)
		if !ok || len(a.CharFilters) > 0 {
			return nil, fmt.Errorf("index mapping: analyzer %s is not a tokenizer and token filters", name)
		}
		return a, nil
	}
	exact, err := get(analyzerExact)
	if err != nil {
		return nil, err
	}
	stem, err := get(analyzerStem)
	if err != nil {
		return nil, err
	}
	pairs, err := get(analyzerPairs)
	if err != nil {
		return nil, err
	}
	// Sharing the analysis is right only if each analyzer's chain extends
	// the one before: exact, then stemmed, then pairs.
	same := func(a, b *analysis.DefaultAnalyzer) bool {
		if reflect.TypeOf(a.Tokenizer) != reflect.TypeOf(b.Tokenizer) || len(a.TokenFilters) > len(b.TokenFilters) {
			return false
		}
		for i, f := range a.TokenFilters {
			if reflect.TypeOf(f) != reflect.TypeOf(b.TokenFilters[i]) {
				return false
			}
		}
		return true
	}
	if !same(exact, stem) || !same(stem, pairs) || len(pairs.TokenFilters) != len(stem.TokenFilters)+1 {
		return nil, fmt.Errorf("index mapping: the exact, stemmed and pairs analyzers do not extend one another")
	}
	return &Documents{
		m:         m,
		tokenizer: stem.Tokenizer,
		exact:     exact.TokenFilters,
		stem:      stem.TokenFilters[len(exact.TokenFilters):],
		pairs:     pairs.TokenFilters[len(stem.TokenFilters)],
	}, nil
}

// Document returns the Bleve document of a passage, the mapping's document
// of Document(p).
func (d *Documents) Document(p *corpus.Passage) (*bdoc.Document, error) {
	doc := bdoc.NewDocument(p.ID)
	if err := d.m.MapDocument(doc, Document(p)); err != nil {
		return nil, fmt.Errorf("indexing passage %s: %w", p.ID, err)
	}
	sentences := make([]*sentence, len(p.Sentences))
	for i, f := range doc.Fields {
		t, ok := f.(*bdoc.TextField)
		if !ok {
			continue
		}
		var a analysis.Analyzer
		switch t.Name() {
		case FieldText, FieldExact, FieldPairs:
		default:
			continue
		}
		pos := t.ArrayPositions()
		if len(pos) != 1 || int(pos[0]) >= len(sentences) {
			return nil, fmt.Errorf("indexing passage %s: field %s at %v is not a sentence", p.ID, t.Name(), pos)
		}
		s := sentences[pos[0]]
		if s == nil {
			s = &sentence{d: d, text: t.Value()}
			sentences[pos[0]] = s
		}
		switch t.Name() {
		case FieldText:
			a = stemsOf{s}
		case FieldExact:
			a = exactOf{s}
		case FieldPairs:
			a = pairsOf{s}
		}
		doc.Fields[i] = bdoc.NewTextFieldCustom(t.Name(), pos, t.Value(), t.Options(), a)
	}
	return doc, nil
}

// sentence is the analysis of one sentence, made when its first field is
// analysed. Bleve analyses a document's fields one after the other in one
// goroutine.
type sentence struct {
	d            *Documents
	text         []byte
	done         bool
	exact, stems analysis.TokenStream
}

func (s *sentence) analyze() {
	if s.done {
		return
	}
	s.done = true
	toks := s.d.tokenizer.Tokenize(s.text)
	for _, f := range s.d.exact {
		toks = f.Filter(toks)
	}
	s.exact = toks
	// The stemmed field's tokens are copies: its filters change tokens in
	// place.
	stems := make(analysis.TokenStream, len(toks))
	copies := make([]analysis.Token, len(toks))
	for i, t := range toks {
		copies[i] = *t
		copies[i].Term = append([]byte(nil), t.Term...)
		stems[i] = &copies[i]
	}
	for _, f := range s.d.stem {
		stems = f.Filter(stems)
	}
	s.stems = stems
}

type exactOf struct{ *sentence }
type stemsOf struct{ *sentence }
type pairsOf struct{ *sentence }

func (a exactOf) Analyze([]byte) analysis.TokenStream { a.analyze(); return a.exact }
func (a stemsOf) Analyze([]byte) analysis.TokenStream { a.analyze(); return a.stems }

// The pairs filter makes new tokens of the stems and leaves them as they
// are (commonPairs); it gets its own slice.
func (a pairsOf) Analyze([]byte) analysis.TokenStream {
	a.analyze()
	return a.d.pairs.Filter(append(analysis.TokenStream(nil), a.stems...))
}
