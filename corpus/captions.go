package corpus

import (
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/asticode/go-astisub"
	"golang.org/x/text/unicode/norm"
)

// Captions (WebVTT, SRT) are read in three steps:
//
//  1. scanCues splits the text into cue blocks and checks each timing line,
//     so that every broken cue is reported with its line: astisub's errors
//     count lines of its own input, it skips lines it does not understand,
//     and it panics on a timing line without an end.
//  2. astisub (github.com/asticode/go-astisub) reads a clean WebVTT document
//     made from those cues: timestamps, tags, voice spans. SRT goes the same
//     way: its cue text is a subset of WebVTT's in practice, and some SRT
//     files carry <v> spans too.
//  3. Each cue gets a speaker (voice span, Webex's cue identifier, else a
//     "Name: " prefix), a cue without one continues the turn before it
//     where the file names only turn starts (Otter), and consecutive cues
//     of one speaker become one turn.

// errBrokenCue marks a cue the reader cannot make sense of.
var errBrokenCue = errors.New("broken cue")

// maxCueText is the longest cue text handed to astisub, whose line scanner
// silently stops at a line over 64 KiB.
const maxCueText = 60000

// maxCueLabel is the longest "Name: " prefix taken as a speaker (MAXQDA's
// limit for speaker names).
const maxCueLabel = 63

// cueClock is a timestamp as real files write it: hours optional
// (whisper), unpadded (Microsoft Graph), "," or "." before the fraction
// (SRT, VTT).
const cueClock = `(?:\d{1,4}:)?[0-5]?\d:[0-5]?\d(?:[.,]\d{1,3})?`

var (
	// A cue timing line; cue settings after the end time are ignored.
	cueTiming = lazyRegexp(`^\s*(` + cueClock + `)\s*-->\s*(` + cueClock + `)(?:\s.*)?$`)
	// A tag as the HTML tokenizer astisub uses sees one.
	cueTag = lazyRegexp(`</?[A-Za-z][^>]*>`)
	// An inline (karaoke) timestamp such as <00:00:01.120>.
	cueInlineTime = lazyRegexp(`<[0-9][0-9:.]*>`)
	// A character reference.
	cueEntity = lazyRegexp(`&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});`)
	// The start of a voice span.
	cueVoice = lazyRegexp(`<v[\s.>]`)
	// Webex's cue identifier: the cue number, the speaker's display name in
	// quotes ("" when Webex did not know the speaker) and a participant
	// number: 1 "Jordan Reyes" (3827716096).
	cueWebex = lazyRegexp(`^\d+\s+"(.*)"\s+\(\d+\)$`)
	// Characters that astisub decodes, or that would end the cue text.
	cueEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", "\n", " ", "\r", " ")
)

// cue is one cue block as scanCues finds it.
type cue struct {
	line       int    // line of the block's first line (identifier or timing)
	id         string // the cue identifier, trimmed; "" when there is none
	timing     int    // line of the timing line
	start, end string // timestamps as written
	text       string // text lines, trimmed and joined with a space
}

// parseCaptions reads WebVTT and SRT captions.
func parseCaptions(src source) ([]*Transcript, error) {
	cues, title, err := scanCues(src.text, src.ext)
	if err != nil {
		return nil, err
	}
	segs, err := readCues(cues)
	if err != nil {
		return nil, err
	}
	labelCues(segs)
	continueTurns(segs)
	segs = slices.DeleteFunc(segs, func(s cueSpeech) bool { return s.text == "" })
	var r renderer
	for i := 0; i < len(segs); {
		// Consecutive cues of one speaker (or of no known speaker) are
		// one turn.
		j, texts := i, []string{}
		for ; j < len(segs) && segs[j].speaker == segs[i].speaker; j++ {
			texts = append(texts, segs[j].text)
		}
		text := norm.NFC.String(strings.Join(texts, " "))
		r.add(segs[i].speaker, text, segs[i].start, segs[j-1].end, segs[i].line)
		i = j
	}
	if title == "" {
		title = src.id
	}
	t, err := build(src, src.id, title, r.text(), r.turns, nil)
	if err != nil {
		return nil, err
	}
	return []*Transcript{t}, nil
}

// scanCues splits captions into cues, skipping the WEBVTT header and NOTE,
// STYLE and REGION blocks. It returns the title from a "Title: " line in
// the header or in a NOTE block, if any. It is lenient where real files
// differ (no header, no blank line before a cue, settings after the times)
// and strict where a cue would be lost (a block without a timing line, a
// bad timestamp).
func scanCues(text, ext string) (cues []cue, title string, err error) {
	lines := strings.Split(text, "\n")
	blank := func(i int) bool { return strings.TrimSpace(lines[i]) == "" }
	i := 0
	for i < len(lines) && blank(i) {
		i++
	}
	header := i < len(lines) && cueBlockStart(lines[i], "WEBVTT")
	if header {
		for i++; i < len(lines) && !blank(i) && !strings.Contains(lines[i], "-->"); i++ {
			if t := cueTitle(lines[i]); t != "" && title == "" {
				title = t
			}
		}
	}
	for {
		for i < len(lines) && blank(i) {
			i++
		}
		if i >= len(lines) {
			return cues, title, nil
		}
		first := strings.TrimSpace(lines[i])
		c := cue{line: i + 1}
		switch {
		case strings.Contains(first, "-->"):
		case i+1 < len(lines) && strings.Contains(lines[i+1], "-->"):
			// The cue identifier: Zoom's integers, Teams' "<GUID>/n-m",
			// SRT's numbers, Webex's number, name and participant.
			c.id = first
			i++
		case cueBlockStart(first, "NOTE"), cueBlockStart(first, "STYLE"), cueBlockStart(first, "REGION"):
			note := cueBlockStart(first, "NOTE")
			for ; i < len(lines) && !blank(i); i++ {
				if t := cueTitle(strings.TrimPrefix(strings.TrimSpace(lines[i]), "NOTE")); note && t != "" && title == "" {
					title = t
				}
			}
			continue
		case ext == "vtt" && !header && len(cues) == 0:
			return nil, "", &FileError{Line: i + 1, Err: fmt.Errorf("not a WebVTT file: no WEBVTT header, and %s is not a cue", cueQuote(first))}
		default:
			return nil, "", &FileError{Line: i + 1, Err: fmt.Errorf("%w: expected a cue timing line such as \"00:00:01.000 --> 00:00:04.000\", found %s", errBrokenCue, cueQuote(first))}
		}
		m := cueTiming().FindStringSubmatch(lines[i])
		if m == nil {
			return nil, "", &FileError{Line: i + 1, Err: fmt.Errorf("%w: bad timing line %s", errBrokenCue, cueQuote(lines[i]))}
		}
		c.timing, c.start, c.end = i+1, m[1], m[2]
		var text []string
		for i++; i < len(lines) && !blank(i) && !strings.Contains(lines[i], "-->"); i++ {
			text = append(text, strings.TrimSpace(lines[i]))
		}
		c.text = strings.Join(text, " ")
		if len(c.text) > maxCueText {
			return nil, "", &FileError{Line: c.line, Err: fmt.Errorf("%w: cue text longer than %d bytes", errBrokenCue, maxCueText)}
		}
		cues = append(cues, c)
	}
}

// cueBlockStart reports whether line starts a block named word ("WEBVTT",
// "NOTE", ...): the word alone or followed by a space or tab.
func cueBlockStart(line, word string) bool {
	line = strings.TrimSpace(line)
	rest, ok := strings.CutPrefix(line, word)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

// cueTitle returns the title in a "Title: ..." line, or "".
func cueTitle(line string) string {
	line = strings.TrimSpace(line)
	if len(line) > 6 && strings.EqualFold(line[:6], "title:") {
		return strings.TrimSpace(line[6:])
	}
	return ""
}

// cueQuote quotes the start of a line for a message.
func cueQuote(line string) string {
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > 40 {
		line = string([]rune(line)[:40]) + "..."
	}
	return fmt.Sprintf("%q", line)
}

// cueSpeech is the speech of one voice in one cue.
type cueSpeech struct {
	speaker    string
	voiced     bool // the speaker comes from markup: a <v> span or a Webex cue identifier
	text       string
	start, end time.Duration
	line       int
}

// readCues has astisub read the cues and returns their speech in order:
// one cueSpeech per cue, or one per voice span when a cue has several.
func readCues(cues []cue) ([]cueSpeech, error) {
	var b strings.Builder
	b.WriteString("WEBVTT\n\n")
	for _, c := range cues {
		fmt.Fprintf(&b, "%s --> %s\n", strings.ReplaceAll(c.start, ",", "."), strings.ReplaceAll(c.end, ",", "."))
		for _, l := range cueLines(c.text) {
			// astisub reads a line starting with NOTE, STYLE, Region: or
			// X-TIMESTAMP-MAP as a block of its own; an empty tag in front
			// keeps every line cue text.
			b.WriteString("<c></c>")
			b.WriteString(l)
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	subs, err := readWebVTT(b.String())
	if err != nil {
		return nil, err
	}
	if len(subs.Items) != len(cues) {
		return nil, fmt.Errorf("internal: captions library read %d cues, expected %d", len(subs.Items), len(cues))
	}
	var segs []cueSpeech
	for k, item := range subs.Items {
		c := cues[k]
		if item.EndAt < item.StartAt {
			return nil, &FileError{Line: c.timing, Err: fmt.Errorf("%w: end %s is before start %s", errBrokenCue, c.end, c.start)}
		}
		seg := cueSpeech{start: item.StartAt, end: item.EndAt, line: c.line}
		webex, isWebex := webexSpeaker(c.id)
		flush := func() {
			if seg.text = strings.TrimSpace(seg.text); seg.text != "" {
				if isWebex && !seg.voiced {
					seg.speaker, seg.voiced = webex, true
					// A "Name: " prefix repeating the identifier's name
					// is not speech.
					if label, rest, ok := cueLabel(seg.text); ok && webex != "" && label == webex {
						seg.text = rest
					}
				}
				segs = append(segs, seg)
			}
		}
		for n, l := range item.Lines {
			text := strings.ReplaceAll(l.String(), "--&gt;", "-->")
			if l.VoiceName != "" || n == 0 {
				if n > 0 {
					flush()
				}
				seg.speaker, seg.voiced, seg.text = cueName(html.UnescapeString(l.VoiceName)), l.VoiceName != "", ""
			}
			if seg.text != "" && text != "" {
				seg.text += " " // astisub trims each line
			}
			seg.text += text
		}
		if len(item.Lines) > 0 {
			flush()
		}
	}
	return segs, nil
}

// webexSpeaker returns the speaker named in a Webex cue identifier ("" for
// Webex's unknown speaker) and whether id is one.
func webexSpeaker(id string) (string, bool) {
	m := cueWebex().FindStringSubmatch(id)
	if m == nil {
		return "", false
	}
	return cueName(html.UnescapeString(m[1])), true
}

// readWebVTT runs astisub. scanCues has checked what astisub would panic
// on; the recover is a last resort that keeps one odd file from stopping a
// batch.
func readWebVTT(doc string) (s *astisub.Subtitles, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("internal: captions library failed: %v", r)
		}
	}()
	s, err = astisub.ReadFromWebVTT(strings.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("internal: captions library: %w", err)
	}
	return s, nil
}

// cueLines prepares a cue's text for astisub: character references in the
// text are decoded (astisub decodes only &amp;, &lt; and &nbsp;; those it
// decodes, and "-->", stay escaped), inline timestamps are dropped, and
// each voice span starts a line of its own (astisub keeps only the first
// voice of a line). Tags are left alone: voice names are decoded later.
func cueLines(text string) []string {
	var b strings.Builder
	at := 0
	for _, m := range cueTag().FindAllStringIndex(text, -1) {
		b.WriteString(decodeCueText(text[at:m[0]]))
		if tag := text[m[0]:m[1]]; cueVoice().MatchString(tag) && b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(text[m[0]:m[1]])
		at = m[1]
	}
	b.WriteString(decodeCueText(text[at:]))
	return strings.Split(b.String(), "\n")
}

// decodeCueText decodes the character references of cue text outside tags,
// re-escaping what astisub would decode again or read as markup.
func decodeCueText(s string) string {
	s = cueInlineTime().ReplaceAllString(s, "")
	s = cueEntity().ReplaceAllStringFunc(s, func(ref string) string {
		if ref == "&amp;" || ref == "&lt;" || ref == "&nbsp;" {
			return ref
		}
		return cueEscape.Replace(html.UnescapeString(ref))
	})
	return strings.ReplaceAll(s, "-->", "--&gt;")
}

// cueName tidies a speaker name: NFC, one space between words.
func cueName(name string) string {
	return norm.NFC.String(strings.Join(strings.Fields(name), " "))
}

// labelCues gives each cue speech without a voice span the speaker of its
// "Name: text" prefix, if it has one, and removes the prefix.
//
// The rule keeps ordinary text with a colon ("The thing is: ...") as text.
// The prefix is what comes before the first ": ", without the brackets
// WhisperX puts around its labels ("[SPEAKER_00]: "). It must be at most 63
// characters, have a letter (so "10:30: " is no label), and hold none of
// ? ! ; " < > [ ]. Such a prefix is a speaker if it is established (it
// labels at least two cues of the file, or is the name of a voice span),
// or, used once, if it looks like a name: at most five words, each starting
// with a capital letter or a digit ("Barbara", "Dr. Melissa Ko", "Graham,
// Ken (Contractor)", "P2"). Otherwise the prefix stays in the text, and a
// cue without a speaker has the unknown speaker "".
func labelCues(segs []cueSpeech) {
	count := map[string]int{}
	for _, s := range segs {
		if s.voiced {
			count[s.speaker] += 2
		} else if label, _, ok := cueLabel(s.text); ok {
			count[label]++
		}
	}
	for i := range segs {
		s := &segs[i]
		if s.voiced {
			continue
		}
		s.speaker = ""
		if label, rest, ok := cueLabel(s.text); ok && (count[label] >= 2 || cueNameLike(label)) {
			s.speaker, s.text = label, rest
		}
	}
}

// cueLabel splits a candidate "Name: " prefix off text (see labelCues).
func cueLabel(text string) (label, rest string, ok bool) {
	i := strings.Index(text, ": ")
	if i < 0 {
		return "", "", false
	}
	label = strings.TrimSpace(text[:i])
	if inner, found := strings.CutPrefix(label, "["); found && strings.HasSuffix(inner, "]") {
		label = strings.TrimSpace(strings.TrimSuffix(inner, "]"))
	}
	label = cueName(label)
	if utf8.RuneCountInString(label) > maxCueLabel || strings.ContainsAny(label, "?!;\"<>[]") || !strings.ContainsFunc(label, unicode.IsLetter) {
		return "", "", false
	}
	return label, strings.TrimSpace(text[i+2:]), true
}

// cueNameLike reports whether a label used once reads as a name.
func cueNameLike(label string) bool {
	words := strings.Fields(label)
	if len(words) > 5 {
		return false
	}
	for _, w := range words {
		i := strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
		if i < 0 {
			continue // "-" or "&" between names
		}
		if r, _ := utf8.DecodeRuneInString(w[i:]); unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// continueTurns gives each cue without a speaker the speaker of the cue
// before it, in files that name a speaker only where a turn starts.
//
// Tools disagree on what a cue without a name means. Zoom names every cue,
// so a cue without a name is speech Zoom could not attribute (its
// transcripts have such cues): the unknown speaker. Otter's SRT and VTT
// exports name the speaker on the first cue of a turn only, and the cues
// that carry on the turn have no name. The file tells which: where every
// cue is named, one speaker's consecutive cues repeat the name; where only
// turn starts are, no two consecutive named cues have the same name. So
// cues without a name continue the turn when the file has no such repeat,
// at least two named cues, and at least two cues without a name after a
// named one, and nothing comes from markup (voice spans, Webex).
func continueTurns(segs []cueSpeech) {
	named, bare, repeat := 0, 0, false
	for i, s := range segs {
		switch {
		case s.voiced:
			return
		case s.speaker != "":
			named++
			repeat = repeat || (i > 0 && segs[i-1].speaker == s.speaker)
		case named > 0:
			bare++
		}
	}
	if repeat || named < 2 || bare < 2 {
		return
	}
	for i := 1; i < len(segs); i++ {
		if segs[i].speaker == "" {
			segs[i].speaker = segs[i-1].speaker
		}
	}
}
