package stages

import (
	"context"
	"sort"
	"strings"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
)

// What a matching pass may do to what the analysts see, in one place:
//
//   - A candidate someone decided on is never changed by a run; it is
//     marked orphaned when its text is gone from its transcript's current
//     version (it stays in the exports and in history).
//   - An undecided candidate that the pass did not find again where it
//     looked (its code's scope), or whose code left the codebook, is
//     withdrawn.
//   - A suggestion (origin suggested) is withdrawn by the ranking pass
//     when it is no longer among its code's best units, and here only
//     when its code left the codebook.
//   - A sentence rejected for a code (a reject, or a re-code to another
//     code) is never proposed again for that code, alone or inside a
//     larger span: the runs of matching sentences are cut around it, and a
//     whole-turn unit holding it is not proposed.

// passResult is what a matching pass found, before settle decides.
type passResult struct {
	// Scope says what was matched: per code path, the transcripts matched
	// (nil means the whole corpus).
	Scope map[string][]string
	// Found holds the IDs of every candidate the pass found in Scope.
	Found map[string]bool
	// Rules are the rules hashes of every code of the codebook now.
	Rules map[string]string
	// Transcripts were matched on these versions (by ID).
	Transcripts map[string]string
}

// settle decides how a pass ends: which undecided candidates are
// withdrawn (and their codes, for the summary) and which decided ones are
// orphaned.
func settle(ctx context.Context, st *store.Store, res passResult) (store.MatchOutcome, []string, error) {
	out := store.MatchOutcome{Rules: res.Rules, Transcripts: res.Transcripts}
	decided, err := st.Decided(ctx)
	if err != nil {
		return out, nil, err
	}
	withdraw, codes, err := toWithdraw(ctx, st, res, decided)
	if err != nil {
		return out, nil, err
	}
	out.Withdraw = withdraw
	if out.Orphan, err = orphans(ctx, st, res.Transcripts, decided); err != nil {
		return out, nil, err
	}
	return out, codes, nil
}

// toWithdraw lists the undecided proposed candidates in scope that the
// pass did not find again, and those of codes no longer in the codebook.
// It reads every proposed candidate when a scope is the whole corpus or a
// code left the codebook, else only those of the transcripts in scope.
func toWithdraw(ctx context.Context, st *store.Store, res passResult, decided map[string]bool) (ids, codes []string, err error) {
	scoped := map[string]map[string]bool{} // code -> transcripts; nil: all
	var transcripts []string
	seen := map[string]bool{}
	wholeCorpus := false
	for code, ts := range res.Scope {
		if ts == nil {
			scoped[code] = nil
			wholeCorpus = true
			continue
		}
		scoped[code] = map[string]bool{}
		for _, t := range ts {
			scoped[code][t] = true
			if !seen[t] {
				seen[t] = true
				transcripts = append(transcripts, t)
			}
		}
	}
	sort.Strings(transcripts)
	previous, err := st.Codes(ctx)
	if err != nil {
		return nil, nil, err
	}
	codeGone := false
	for _, c := range previous {
		if _, ok := res.Rules[c]; !ok {
			codeGone = true
		}
	}
	var proposed []store.CandidateRef
	if wholeCorpus || codeGone {
		proposed, err = st.Proposed(ctx, nil)
	} else {
		proposed, err = st.Proposed(ctx, transcripts)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, c := range proposed {
		if _, known := res.Rules[c.Code]; known && c.Origin == store.OriginSuggested {
			continue // suggestions come and go with ranking (Rank), not with keywords
		}
		ts, inScope := scoped[c.Code]
		inScope = inScope && (ts == nil || ts[c.Transcript])
		_, known := res.Rules[c.Code]
		if (inScope || !known) && !res.Found[c.ID] && !decided[c.ID] {
			ids = append(ids, c.ID)
			codes = append(codes, c.Code)
		}
	}
	return ids, codes, nil
}

// orphans lists the decided candidates of re-matched transcripts whose
// text is gone from the version now current.
func orphans(ctx context.Context, st *store.Store, matched map[string]string, decided map[string]bool) ([]string, error) {
	ids := make([]string, 0, len(matched))
	for id := range matched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []string
	for _, id := range ids {
		refs, err := st.OnOtherVersions(ctx, id, matched[id])
		if err != nil {
			return nil, err
		}
		var check []store.CandidateRef
		for _, r := range refs {
			if decided[r.ID] {
				check = append(check, r)
			}
		}
		if len(check) == 0 {
			continue
		}
		t, err := st.Version(ctx, id, matched[id])
		if err != nil {
			return nil, err
		}
		for _, r := range check {
			if !strings.Contains(t.Text, r.Text) {
				out = append(out, r.ID)
			}
		}
	}
	return out, nil
}

// rejection is a span of sentences the analysts rejected for a code.
type rejection struct {
	version     string
	turn        int
	first, last int
	speaker     string
	text        string
}

// rejections loads what was rejected, by code and transcript.
func rejections(ctx context.Context, st *store.Store) (map[string]map[string][]rejection, error) {
	ids, err := st.RejectedIDs(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	cands, err := st.Candidates(ctx, store.CandidateFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][]rejection{}
	for _, c := range cands {
		if out[c.Code] == nil {
			out[c.Code] = map[string][]rejection{}
		}
		out[c.Code][c.Transcript] = append(out[c.Code][c.Transcript], rejection{
			version: c.Version, turn: c.Turn, first: c.First, last: c.Last, speaker: c.Speaker, text: c.Text})
	}
	return out, nil
}

// dropRejected removes from the matching sentences of one code in one turn
// those rejected for the code, and says whether anything may be proposed
// there: a whole-turn unit holding a rejected sentence may not. On the
// version the rejection was made on, sentences are known by position; on
// an edited version, by their text in the same speaker's words.
func (m *matcher) dropRejected(c *codebook.Code, t *corpus.Transcript, turnIndex int, sentences map[int]*sentenceHit) bool {
	rs := m.rejected[c.Path][t.ID]
	if len(rs) == 0 {
		return true
	}
	turn := t.Turns[turnIndex]
	rejected := func(si int) bool {
		for _, r := range rs {
			if r.version == t.Version {
				if r.turn == turnIndex && si >= r.first && si <= r.last {
					return true
				}
				continue
			}
			if r.speaker == turn.Speaker {
				if text := strings.TrimSpace(t.Cut(turn.Sentences[si].Span)); text != "" && strings.Contains(r.text, text) {
					return true
				}
			}
		}
		return false
	}
	if c.Unit == codebook.UnitTurn {
		for si := range turn.Sentences {
			if rejected(si) {
				return false
			}
		}
		return true
	}
	for si := range sentences {
		if rejected(si) {
			delete(sentences, si)
		}
	}
	return len(sentences) > 0
}
