package search_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/search"
)

// Every layout, encoding and document type the readers take, each a real
// AnnoMI conversation (see the READMEs of corpus/testdata/formats,
// encodings and documents): after a batch, an exact phrase of sampled
// utterances finds them in their transcript, said by a speaker of the
// role AnnoMI gives (therapist: interviewer; client: participant).
var readerFixtures = map[string]int{
	"formats/zoom.vtt": 0, "formats/teams.vtt": 2, "formats/otter.txt": 7, "formats/rev.txt": 4,
	"formats/whisperx.txt": 6, "formats/google-meet.txt": 23, "formats/f4.txt": 18, "formats/maxqda.txt": 29,
	"formats/plain-focus-group.txt": 22, "formats/otter.srt": 9, "formats/webex.vtt": 30,
	"formats/zoom-saved-transcript.txt": 25, "formats/zoom.cc.vtt": 48, "formats/youtube.sbv": 65,
	"formats/nvivo.txt": 73, "formats/word-transcribe.docx": 122, "formats/teams.docx": 87,
	"formats/whisper.json": 19, "formats/whisperx.json": 103, "formats/amazon-transcribe.json": 47,
	"formats/assemblyai.json": 81, "formats/deepgram.json": 11, "formats/revai.json": 51,
	"formats/elan.eaf": 48, "formats/chat.cha": 73,
	"encodings/windows-1252.txt": 58, "encodings/utf-16le.txt": 131, "encodings/utf-16be.txt": 117,
	"documents/annomi-085.odt": 85, "documents/annomi-023.rtf": 23, "documents/annomi-044.pdf": 44,
}

// Layouts with no speakers: the phrase is found, the speaker is not checked.
var noSpeakers = map[string]bool{"formats/whisper.json": true, "formats/zoom.cc.vtt": true}

type utterance struct{ interlocutor, text string }

func annomiConversations(t *testing.T) map[int][]utterance {
	t.Helper()
	f, err := os.Open("../../corpus/testdata/annomi/AnnoMI-simple.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	out := map[int][]utterance{}
	for _, r := range recs[1:] {
		var id int
		fmt.Sscan(r[col["transcript_id"]], &id)
		out[id] = append(out[id], utterance{r[col["interlocutor"]], r[col["utterance_text"]]})
	}
	return out
}

var (
	sentenceEnd = regexp.MustCompile(`[.?!…]`)
	wordRe      = regexp.MustCompile(`^[A-Za-z]+('[a-z]+)?$`)
)

// phraseOf returns the first run of four plain words inside one sentence
// of an utterance, or "" when it has none.
func phraseOf(text string) string {
	for _, sentence := range sentenceEnd.Split(text, -1) {
		var run []string
		for _, w := range strings.Fields(sentence) {
			if !wordRe.MatchString(w) {
				run = run[:0]
				continue
			}
			if run = append(run, w); len(run) == 4 {
				return strings.Join(run, " ")
			}
		}
	}
	return ""
}

func TestEveryReaderFindsItsSpeakers(t *testing.T) {
	ctx := context.Background()
	convs := annomiConversations(t)
	dir := t.TempDir()
	ids := map[string]string{} // fixture -> transcript ID
	for fixture := range readerFixtures {
		data, err := os.ReadFile(filepath.Join("../../corpus/testdata", fixture))
		if err != nil {
			t.Fatal(err)
		}
		// A folder each: otter.txt and otter.srt would otherwise share an ID.
		folder := strings.NewReplacer("/", "-", ".", "-").Replace(fixture)
		base := filepath.Base(fixture)
		os.MkdirAll(filepath.Join(dir, "transcripts", folder), 0o700)
		if err := os.WriteFile(filepath.Join(dir, "transcripts", folder, base), data, 0o600); err != nil {
			t.Fatal(err)
		}
		ids[fixture] = folder + "/" + strings.TrimSuffix(base, filepath.Ext(base))
	}
	p := stages.Project{Dir: dir}
	sum, err := stages.Run(ctx, p, stages.Options{Transcripts: []string{"transcripts"}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 0 || sum.New != len(readerFixtures) {
		t.Fatalf("%d new, %d skipped %+v; want all %d read", sum.New, sum.Skipped, sum.SkippedFiles, len(readerFixtures))
	}
	s, err := search.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	role := map[string]string{"therapist": "interviewer", "client": "participant"}
	for fixture, conv := range readerFixtures {
		// The utterances the file holds (some fixtures hold part of a
		// conversation), as the reader's own text shows.
		ts, err := corpus.ReadFile(filepath.Join("../../corpus/testdata", fixture), filepath.Base(fixture), corpus.Options{})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(ts[0].Text), " ")
		var pool []utterance
		for _, u := range convs[conv] {
			if ph := phraseOf(u.text); ph != "" && strings.Contains(text, ph) {
				pool = append(pool, utterance{u.interlocutor, ph})
			}
		}
		sampled := 0
		for k := 0; k < 6 && k < len(pool); k++ {
			u := pool[k*len(pool)/min(6, len(pool))]
			sampled++
			q := fmt.Sprintf(`="%s" transcript:%s`, u.text, ids[fixture])
			hits, total, err := s.Search(ctx, search.Options{Query: q, Limit: 0})
			if err != nil {
				t.Fatal(err)
			}
			if total == 0 {
				t.Errorf("%s: %q not found", fixture, u.text)
				continue
			}
			if noSpeakers[fixture] {
				continue
			}
			found := false
			for _, h := range hits {
				found = found || h.Role == role[u.interlocutor]
			}
			if !found {
				t.Errorf("%s: %q found, but not said by the %s (%s): %s %q", fixture, u.text, u.interlocutor, role[u.interlocutor], hits[0].Role, hits[0].Speaker)
			}
		}
		if sampled < 3 {
			t.Errorf("%s: only %d utterances sampled", fixture, sampled)
		}
	}
}
