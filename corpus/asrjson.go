package corpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Speech-recognition JSON is read in two steps: asrDetect tells from the
// document's structure (never from the file name) which tool wrote it, and
// that tool's reader turns it into asrSegs, which asrRender makes into
// turns. The layouts, as the tools write them:
//
//   - openai-whisper: {"text", "segments": [{"id", "seek", "start", "end",
//     "text", "tokens", ...}], "language"}; times in seconds, no speakers.
//   - WhisperX: {"segments": [{"start", "end", "text", "words": [...],
//     "speaker"}], "word_segments", "language"}; "speaker" is missing where
//     diarisation found nobody.
//   - Amazon Transcribe: {"jobName", "results": {"transcripts", "items",
//     "speaker_labels", "audio_segments": [{"transcript", "start_time",
//     "end_time", "speaker_label", "items"}]}}; times are strings of
//     seconds. Older outputs have no audio_segments: the words are then
//     the items, their speakers the items' or speaker_labels.segments'.
//   - AssemblyAI: {"id", "status", "text", "words", "utterances": [{"speaker",
//     "start", "end", "text", "words"}]}; times in milliseconds; utterances
//     is null without speaker labels.
//   - Deepgram: {"metadata", "results": {"channels": [{"alternatives":
//     [{"transcript", "words", "paragraphs"}]}], "utterances": [{"start",
//     "end", "channel", "transcript", "speaker"}]}}; speakers are numbers.
//   - Rev AI: {"monologues": [{"speaker", "elements": [{"type", "value",
//     "ts", "end_ts"}]}]}; text and punctuation elements, spaces included.
//
// One speaker's consecutive segments make one turn. Segments without a
// speaker (whisper, or WhisperX where diarisation found nobody) are turns
// of their own with the unknown speaker "": the unknown speaker is not one
// person, and each segment keeps its own times, which an analyst needs to
// find a passage in the recording.

// errNotASR marks a JSON file that no speech-recognition reader knows.
var errNotASR = errors.New("not a speech-recognition transcript")

// asrSeg is one timed piece of speech as a tool writes it.
type asrSeg struct {
	speaker    string // "" when the tool names nobody
	text       string
	start, end time.Duration // NoTime when missing
}

// parseASRJSON reads the JSON output of a speech-recognition tool.
func parseASRJSON(src source) ([]*Transcript, error) {
	text, err := Canonical(src.raw)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &top); err != nil {
		return nil, jsonError(text, err)
	}
	tool, read := asrDetect(top)
	if read == nil {
		return nil, fmt.Errorf("%w: a JSON file of none of the known layouts (whisper or WhisperX \"segments\", Amazon Transcribe \"results.items\", AssemblyAI \"utterances\", Deepgram \"results.channels\", Rev AI \"monologues\")", errNotASR)
	}
	segs, err := read(top)
	if err != nil {
		return nil, fmt.Errorf("%s JSON: %w", tool, err)
	}
	meta := map[string]string{"layout": tool}
	var lang string
	if json.Unmarshal(top["language"], &lang) == nil && lang != "" {
		meta["language"] = lang
	} else if json.Unmarshal(top["language_code"], &lang) == nil && lang != "" {
		meta["language"] = lang
	}
	r := asrRender(segs)
	t, err := build(src, src.id, src.id, r.text(), r.turns, meta)
	if err != nil {
		return nil, err
	}
	return []*Transcript{t}, nil
}

// asrDetect tells which tool wrote a document from its keys.
func asrDetect(top map[string]json.RawMessage) (string, func(map[string]json.RawMessage) ([]asrSeg, error)) {
	has := func(m map[string]json.RawMessage, k string) bool {
		v, ok := m[k]
		return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
	}
	switch {
	case has(top, "monologues"):
		return "rev-ai", readRevAI
	case has(top, "results"):
		var res map[string]json.RawMessage
		if json.Unmarshal(top["results"], &res) != nil {
			return "", nil
		}
		if has(res, "channels") {
			return "deepgram", readDeepgram
		}
		if has(res, "items") || has(res, "audio_segments") {
			return "amazon-transcribe", readAmazon
		}
	case has(top, "utterances") || (has(top, "words") && has(top, "text") && (has(top, "audio_duration") || has(top, "status"))):
		return "assemblyai", readAssemblyAI
	case has(top, "segments"):
		if has(top, "word_segments") || bytes.Contains(top["segments"], []byte(`"speaker"`)) {
			return "whisperx", readWhisper
		}
		return "whisper", readWhisper
	}
	return "", nil
}

// jsonError turns an encoding/json error into a FileError at the line of
// the offset it reports.
func jsonError(text string, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		if te.Field == "" {
			// The top level is not an object.
			err = fmt.Errorf("%w: the JSON holds a %s, not an object", errNotASR, te.Value)
		}
	}
	if off < 0 || off > int64(len(text)) {
		return fmt.Errorf("bad JSON: %w", err)
	}
	line := strings.Count(text[:off], "\n") + 1
	return &FileError{Line: line, Err: fmt.Errorf("bad JSON: %w", err)}
}

// asrRender renders segments as turns (see the comment at the top).
func asrRender(segs []asrSeg) *renderer {
	var r renderer
	for i := 0; i < len(segs); {
		j, texts := i+1, []string{segs[i].text}
		if segs[i].speaker != "" {
			for ; j < len(segs) && segs[j].speaker == segs[i].speaker; j++ {
				texts = append(texts, segs[j].text)
			}
		}
		end := segs[j-1].end
		if end == NoTime || (segs[i].start != NoTime && end < segs[i].start) {
			end = NoTime
		}
		r.add(segs[i].speaker, asrText(strings.Join(texts, " ")), segs[i].start, end, 0)
		i = j
	}
	return &r
}

// asrText tidies a tool's text: one space between words, no control
// characters, NFC.
func asrText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return norm.NFC.String(strings.Join(strings.Fields(s), " "))
}

// asrLabel tidies a speaker label: one line, NFC.
func asrLabel(s string) string { return asrText(s) }

// jsonSeconds is a time in seconds, written as a number or, by Amazon
// Transcribe, as a string; null or missing is NoTime.
type jsonSeconds struct{ d time.Duration }

func (t *jsonSeconds) UnmarshalJSON(b []byte) error {
	d, err := jsonTime(b, float64(time.Second))
	t.d = d
	return err
}

// jsonMillis is a time in milliseconds (AssemblyAI).
type jsonMillis struct{ d time.Duration }

func (t *jsonMillis) UnmarshalJSON(b []byte) error {
	d, err := jsonTime(b, float64(time.Millisecond))
	t.d = d
	return err
}

// jsonTime reads a number of units, or a string holding one.
func jsonTime(b []byte, unit float64) (time.Duration, error) {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return NoTime, nil
	}
	if uq, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) {
		if strings.TrimSpace(uq) == "" {
			return NoTime, nil
		}
		s = strings.TrimSpace(uq)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, fmt.Errorf("bad time %s", b)
	}
	if f < 0 {
		return 0, fmt.Errorf("negative time %s", b)
	}
	if f*unit > float64(maxTableTime) {
		return 0, fmt.Errorf("time %s is too large", b)
	}
	return time.Duration(math.Round(f * unit)), nil
}

// get is the time, or NoTime for a field that was missing.
func (t *jsonSeconds) get() time.Duration {
	if t == nil {
		return NoTime
	}
	return t.d
}

func (t *jsonMillis) get() time.Duration {
	if t == nil {
		return NoTime
	}
	return t.d
}

// jsonLabel is a speaker label written as a string or a number; prefix
// goes before a number ("Speaker " for Deepgram's 0, 1, ...).
type jsonLabel struct {
	s   string
	num bool
}

func (l *jsonLabel) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		*l = jsonLabel{}
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = jsonLabel{s: asrLabel(v)}
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("bad speaker %s", b)
		}
		*l = jsonLabel{s: n.String(), num: true}
	}
	return nil
}

// name is the label as a transcript shows it: numbers and single letters
// as the tools print them ("Speaker 0", "Speaker A").
func (l *jsonLabel) name() string {
	if l == nil || l.s == "" {
		return ""
	}
	if l.num {
		return "Speaker " + l.s
	}
	return l.s
}

// decodeAt unmarshals one field, naming it in the error.
func decodeAt(raw json.RawMessage, path string, v any) error {
	if len(raw) == 0 {
		return fmt.Errorf("no %s", path)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("%s: field %s: %v value where a %s belongs", path, te.Field, te.Value, te.Type)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// checkSeg rejects a segment that ends before it starts.
func checkSeg(s asrSeg, path string) error {
	if s.start != NoTime && s.end != NoTime && s.end < s.start {
		return fmt.Errorf("%s: end %v is before start %v", path, s.end, s.start)
	}
	return nil
}

// readWhisper reads openai-whisper and WhisperX segments.
func readWhisper(top map[string]json.RawMessage) ([]asrSeg, error) {
	var segs []struct {
		Start   *jsonSeconds `json:"start"`
		End     *jsonSeconds `json:"end"`
		Text    *string      `json:"text"`
		Speaker *jsonLabel   `json:"speaker"`
		Words   []struct {
			Speaker *jsonLabel `json:"speaker"`
		} `json:"words"`
	}
	if err := decodeAt(top["segments"], "segments", &segs); err != nil {
		return nil, err
	}
	var out []asrSeg
	for i, s := range segs {
		path := fmt.Sprintf("segments[%d]", i)
		if s.Text == nil {
			return nil, fmt.Errorf("%s: no text", path)
		}
		sp := s.Speaker.name()
		if sp == "" {
			// WhisperX gives words speakers even where the segment has
			// none; one speaker for all the words is the segment's.
			for k, w := range s.Words {
				if w.Speaker.name() == "" || (k > 0 && w.Speaker.name() != sp) {
					sp = ""
					break
				}
				sp = w.Speaker.name()
			}
		}
		seg := asrSeg{speaker: sp, text: *s.Text, start: s.Start.get(), end: s.End.get()}
		if err := checkSeg(seg, path); err != nil {
			return nil, err
		}
		out = append(out, seg)
	}
	return out, nil
}

// readAssemblyAI reads AssemblyAI utterances, or without them the whole
// text as one turn of the unknown speaker, timed by its words.
func readAssemblyAI(top map[string]json.RawMessage) ([]asrSeg, error) {
	type word struct {
		Start *jsonMillis `json:"start"`
		End   *jsonMillis `json:"end"`
	}
	var utts []struct {
		Speaker *jsonLabel  `json:"speaker"`
		Start   *jsonMillis `json:"start"`
		End     *jsonMillis `json:"end"`
		Text    *string     `json:"text"`
	}
	if raw := top["utterances"]; len(raw) > 0 && string(raw) != "null" {
		if err := decodeAt(raw, "utterances", &utts); err != nil {
			return nil, err
		}
		var out []asrSeg
		for i, u := range utts {
			path := fmt.Sprintf("utterances[%d]", i)
			if u.Text == nil {
				return nil, fmt.Errorf("%s: no text", path)
			}
			sp := u.Speaker.name()
			if len(sp) == 1 {
				sp = "Speaker " + sp // AssemblyAI's letters, as its docs print them
			}
			seg := asrSeg{speaker: sp, text: *u.Text, start: u.Start.get(), end: u.End.get()}
			if err := checkSeg(seg, path); err != nil {
				return nil, err
			}
			out = append(out, seg)
		}
		return out, nil
	}
	var text string
	if err := decodeAt(top["text"], "text", &text); err != nil {
		return nil, err
	}
	var words []word
	if raw := top["words"]; len(raw) > 0 {
		if err := decodeAt(raw, "words", &words); err != nil {
			return nil, err
		}
	}
	seg := asrSeg{text: text, start: NoTime, end: NoTime}
	if len(words) > 0 {
		seg.start, seg.end = words[0].Start.get(), words[len(words)-1].End.get()
	}
	if err := checkSeg(seg, "words"); err != nil {
		return nil, err
	}
	return []asrSeg{seg}, nil
}

// readDeepgram reads Deepgram's utterances, else the first alternative's
// paragraphs of each channel, else its words, else its transcript.
// Long because Deepgram answers in three shapes (utterances, paragraphs,
// words), tried in that order, each with its own fallbacks.
func readDeepgram(top map[string]json.RawMessage) ([]asrSeg, error) {
	type dgWord struct {
		Word    string       `json:"word"`
		Punct   *string      `json:"punctuated_word"`
		Start   *jsonSeconds `json:"start"`
		End     *jsonSeconds `json:"end"`
		Speaker *jsonLabel   `json:"speaker"`
	}
	var res struct {
		Channels []struct {
			Alternatives []struct {
				Transcript string   `json:"transcript"`
				Words      []dgWord `json:"words"`
				Paragraphs *struct {
					Paragraphs []struct {
						Sentences []struct {
							Text string `json:"text"`
						} `json:"sentences"`
						Speaker *jsonLabel   `json:"speaker"`
						Start   *jsonSeconds `json:"start"`
						End     *jsonSeconds `json:"end"`
					} `json:"paragraphs"`
				} `json:"paragraphs"`
			} `json:"alternatives"`
		} `json:"channels"`
		Utterances []struct {
			Start      *jsonSeconds `json:"start"`
			End        *jsonSeconds `json:"end"`
			Channel    *int         `json:"channel"`
			Transcript *string      `json:"transcript"`
			Speaker    *jsonLabel   `json:"speaker"`
		} `json:"utterances"`
	}
	if err := decodeAt(top["results"], "results", &res); err != nil {
		return nil, err
	}
	multi := len(res.Channels) > 1
	// Without diarisation, a channel of a multichannel recording is
	// one speaker.
	who := func(sp *jsonLabel, ch int) string {
		if s := sp.name(); s != "" {
			return s
		}
		if multi {
			return fmt.Sprintf("Channel %d", ch)
		}
		return ""
	}
	var out []asrSeg
	if len(res.Utterances) > 0 {
		for i, u := range res.Utterances {
			path := fmt.Sprintf("results.utterances[%d]", i)
			if u.Transcript == nil {
				return nil, fmt.Errorf("%s: no transcript", path)
			}
			ch := 0
			if u.Channel != nil {
				ch = *u.Channel
			}
			seg := asrSeg{speaker: who(u.Speaker, ch), text: *u.Transcript, start: u.Start.get(), end: u.End.get()}
			if err := checkSeg(seg, path); err != nil {
				return nil, err
			}
			out = append(out, seg)
		}
		return out, nil
	}
	for c, ch := range res.Channels {
		if len(ch.Alternatives) == 0 {
			continue
		}
		alt := ch.Alternatives[0] // the best
		switch {
		case alt.Paragraphs != nil && len(alt.Paragraphs.Paragraphs) > 0:
			for i, p := range alt.Paragraphs.Paragraphs {
				var texts []string
				for _, s := range p.Sentences {
					texts = append(texts, s.Text)
				}
				seg := asrSeg{speaker: who(p.Speaker, c), text: strings.Join(texts, " "), start: p.Start.get(), end: p.End.get()}
				if err := checkSeg(seg, fmt.Sprintf("results.channels[%d].alternatives[0].paragraphs.paragraphs[%d]", c, i)); err != nil {
					return nil, err
				}
				out = append(out, seg)
			}
		case len(alt.Words) > 0:
			// One segment per run of words of one speaker.
			for i := 0; i < len(alt.Words); {
				sp := who(alt.Words[i].Speaker, c)
				j, texts := i, []string{}
				for ; j < len(alt.Words) && who(alt.Words[j].Speaker, c) == sp; j++ {
					w := alt.Words[j].Word
					if alt.Words[j].Punct != nil {
						w = *alt.Words[j].Punct
					}
					texts = append(texts, w)
				}
				seg := asrSeg{speaker: sp, text: strings.Join(texts, " "), start: alt.Words[i].Start.get(), end: alt.Words[j-1].End.get()}
				if err := checkSeg(seg, fmt.Sprintf("results.channels[%d].alternatives[0].words[%d]", c, i)); err != nil {
					return nil, err
				}
				out = append(out, seg)
				if sp == "" {
					break // no speakers: the transcript reads better than words
				}
				i = j
			}
			if len(out) == 1 && out[0].speaker == "" {
				out[0].text = alt.Transcript
			}
		default:
			out = append(out, asrSeg{speaker: who(nil, c), text: alt.Transcript, start: NoTime, end: NoTime})
		}
	}
	return out, nil
}

// readAmazon reads Amazon Transcribe's audio segments, or without them its
// items (words and punctuation).
func readAmazon(top map[string]json.RawMessage) ([]asrSeg, error) {
	type item struct {
		Type         string       `json:"type"`
		Start        *jsonSeconds `json:"start_time"`
		End          *jsonSeconds `json:"end_time"`
		Speaker      *jsonLabel   `json:"speaker_label"`
		Alternatives []struct {
			Content string `json:"content"`
		} `json:"alternatives"`
	}
	var res struct {
		AudioSegments []struct {
			Transcript *string      `json:"transcript"`
			Start      *jsonSeconds `json:"start_time"`
			End        *jsonSeconds `json:"end_time"`
			Speaker    *jsonLabel   `json:"speaker_label"`
			Channel    *jsonLabel   `json:"channel_label"`
		} `json:"audio_segments"`
		Items         []item `json:"items"`
		SpeakerLabels *struct {
			Segments []struct {
				Start   *jsonSeconds `json:"start_time"`
				End     *jsonSeconds `json:"end_time"`
				Speaker *jsonLabel   `json:"speaker_label"`
			} `json:"segments"`
		} `json:"speaker_labels"`
	}
	if err := decodeAt(top["results"], "results", &res); err != nil {
		return nil, err
	}
	var out []asrSeg
	if len(res.AudioSegments) > 0 {
		for i, a := range res.AudioSegments {
			path := fmt.Sprintf("results.audio_segments[%d]", i)
			if a.Transcript == nil {
				return nil, fmt.Errorf("%s: no transcript", path)
			}
			sp := a.Speaker.name()
			if sp == "" {
				sp = a.Channel.name() // channel identification: a channel is a speaker
			}
			seg := asrSeg{speaker: sp, text: *a.Transcript, start: a.Start.get(), end: a.End.get()}
			if err := checkSeg(seg, path); err != nil {
				return nil, err
			}
			out = append(out, seg)
		}
		return out, nil
	}
	// Older outputs: the speaker of a word is its own label, else that of
	// the speaker segment it starts in; punctuation goes with the word
	// before it.
	speakerAt := func(t time.Duration) string {
		if res.SpeakerLabels == nil || t == NoTime {
			return ""
		}
		for _, s := range res.SpeakerLabels.Segments {
			if s.Start.get() != NoTime && s.End.get() != NoTime && t >= s.Start.get() && t <= s.End.get() {
				return s.Speaker.name()
			}
		}
		return ""
	}
	var cur *asrSeg
	for i, it := range res.Items {
		if len(it.Alternatives) == 0 {
			return nil, fmt.Errorf("results.items[%d]: no alternatives", i)
		}
		content := it.Alternatives[0].Content
		if it.Type == "punctuation" {
			if cur != nil {
				cur.text += content
			}
			continue
		}
		sp := it.Speaker.name()
		if sp == "" {
			sp = speakerAt(it.Start.get())
		}
		if cur == nil || sp != cur.speaker {
			out = append(out, asrSeg{speaker: sp, text: content, start: it.Start.get(), end: it.End.get()})
			cur = &out[len(out)-1]
		} else {
			cur.text += " " + content
			if e := it.End.get(); e != NoTime {
				cur.end = e
			}
		}
		if err := checkSeg(*cur, fmt.Sprintf("results.items[%d]", i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readRevAI reads Rev AI monologues.
func readRevAI(top map[string]json.RawMessage) ([]asrSeg, error) {
	var mons []struct {
		Speaker     *jsonLabel `json:"speaker"`
		SpeakerInfo *struct {
			DisplayName string `json:"display_name"`
		} `json:"speaker_info"`
		Elements []struct {
			Type  string       `json:"type"`
			Value string       `json:"value"`
			Start *jsonSeconds `json:"ts"`
			End   *jsonSeconds `json:"end_ts"`
		} `json:"elements"`
	}
	if err := decodeAt(top["monologues"], "monologues", &mons); err != nil {
		return nil, err
	}
	var out []asrSeg
	for i, m := range mons {
		seg := asrSeg{speaker: m.Speaker.name(), start: NoTime, end: NoTime}
		if m.SpeakerInfo != nil && strings.TrimSpace(m.SpeakerInfo.DisplayName) != "" {
			seg.speaker = asrLabel(m.SpeakerInfo.DisplayName)
		}
		var b strings.Builder
		for _, e := range m.Elements {
			b.WriteString(e.Value) // punctuation elements carry the spaces
			if e.Type != "text" {
				continue
			}
			if seg.start == NoTime {
				seg.start = e.Start.get()
			}
			if t := e.End.get(); t != NoTime {
				seg.end = t
			}
		}
		seg.text = b.String()
		if err := checkSeg(seg, fmt.Sprintf("monologues[%d]", i)); err != nil {
			return nil, err
		}
		out = append(out, seg)
	}
	return out, nil
}
