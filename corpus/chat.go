package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// CHAT (.cha) is the transcript format of TalkBank and its CLAN programs:
//
//	@UTF8
//	@Begin
//	@Languages:	eng
//	@Participants:	CHI Target_Child, MOT Mary Mother
//	*MOT:	what do you want ? ␕1200_2350␕
//	%mor:	pron|what ...
//	*CHI:	cookie .
//	@End
//
// Headers start with @, main tiers (one utterance each) with *CODE:, and
// dependent tiers (%mor, %gra, %com, ...) with %; a line starting with a
// tab continues the line before. The reader keeps the main tiers, as
// written, without their media bullets (U+0015 start_end U+0015, in
// milliseconds), which give the times; one speaker's consecutive
// utterances are one turn. A speaker is shown by the name @Participants
// gives, else by the role ("Target Child"), with the code added where two
// participants would look alike.

// errNotCHAT marks a file that is not CHAT.
var errNotCHAT = errors.New("not a CHAT file")

var (
	// A main tier: *CODE: text.
	chatMain = lazyRegexp(`^\*([^:\s]+):(?:[ \t]+|$)`)
	// A media bullet; old files name the sound file in it.
	chatBullet = lazyRegexp("\x15([^\x15\n]*)\x15")
	chatTimes  = lazyRegexp(`^(?:%\w+:\s*"[^"]*"_)?(\d{1,12})_(\d{1,12})$`)
)

// chatLine is one header or tier with its continuation lines joined.
type chatLine struct {
	line int
	text string
}

// parseCHAT reads a CHAT transcript.
// One pass over the lines: headers, main tiers, continuation lines and
// dependent tiers change how the next line is read.
func parseCHAT(src source) ([]*Transcript, error) {
	// Bullets are control characters; Canonical would count them against
	// the file. A space keeps the offsets of its messages right.
	if _, err := Canonical(bytes.ReplaceAll(src.raw, []byte{0x15}, []byte{' '})); err != nil {
		return nil, err
	}
	text := strings.TrimPrefix(string(src.raw), "\ufeff")
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	text = norm.NFC.String(text)

	var entries []chatLine
	begin, end := 0, 0
	for i, l := range strings.Split(text, "\n") {
		n := i + 1
		switch {
		case strings.TrimSpace(l) == "":
			continue
		case l[0] == '\t':
			if len(entries) == 0 {
				return nil, &FileError{Line: n, Err: fmt.Errorf("%w: a continuation line (starting with a tab) before any header or tier", errNotCHAT)}
			}
			entries[len(entries)-1].text += " " + strings.TrimSpace(l)
			continue
		case l[0] == '@':
			name, _, _ := strings.Cut(strings.TrimSpace(l), ":")
			if name == "@Begin" {
				begin = n
			}
			if name == "@End" {
				end = n
			}
		case begin > 0 && (l[0] == '*' || l[0] == '%'):
		default:
			return nil, &FileError{Line: n, Err: fmt.Errorf("%w: expected a header (@), a main tier (*CODE:) or a dependent tier (%%tier:), found %s", errNotCHAT, cueQuote(l))}
		}
		if end > 0 {
			break
		}
		entries = append(entries, chatLine{line: n, text: strings.TrimRight(l, " \t")})
	}
	if begin == 0 {
		return nil, fmt.Errorf("%w: no @Begin header", errNotCHAT)
	}
	if end == 0 {
		return nil, &FileError{Line: strings.Count(text, "\n") + 1, Err: errors.New("no @End: the file may be cut short")}
	}

	meta := map[string]string{"layout": "chat"}
	labels := map[string]string{}
	type utt struct {
		code, text string
		start, end time.Duration
		line       int
	}
	var utts []utt
	for _, e := range entries {
		switch {
		case strings.HasPrefix(e.text, "@Participants:"):
			labels = chatParticipants(strings.TrimPrefix(e.text, "@Participants:"))
		case strings.HasPrefix(e.text, "@Languages:"):
			meta["language"] = strings.TrimSpace(strings.TrimPrefix(e.text, "@Languages:"))
		case strings.HasPrefix(e.text, "*"):
			m := chatMain().FindStringSubmatchIndex(e.text)
			if m == nil {
				return nil, &FileError{Line: e.line, Err: fmt.Errorf("bad main tier %s: expected *CODE: and the utterance", cueQuote(e.text))}
			}
			u := utt{code: e.text[m[2]:m[3]], start: NoTime, end: NoTime, line: e.line}
			body := e.text[m[1]:]
			if strings.Count(body, "\x15")%2 != 0 {
				return nil, &FileError{Line: e.line, Err: errors.New("a media bullet (U+0015) is not closed")}
			}
			for _, b := range chatBullet().FindAllStringSubmatch(body, -1) {
				t := chatTimes().FindStringSubmatch(b[1])
				if t == nil {
					continue // a bullet without times (a picture, a skip mark)
				}
				s, _ := strconv.ParseInt(t[1], 10, 64)
				f, _ := strconv.ParseInt(t[2], 10, 64)
				if f < s || time.Duration(f) > maxTableTime/time.Millisecond {
					return nil, &FileError{Line: e.line, Err: fmt.Errorf("bad media bullet %s_%s", t[1], t[2])}
				}
				if u.start == NoTime {
					u.start = time.Duration(s) * time.Millisecond
				}
				u.end = time.Duration(f) * time.Millisecond
			}
			u.text = asrText(chatBullet().ReplaceAllString(body, " "))
			utts = append(utts, u)
		}
	}
	var r renderer
	for i := 0; i < len(utts); {
		j, texts := i, []string{}
		for ; j < len(utts) && utts[j].code == utts[i].code; j++ {
			texts = append(texts, utts[j].text)
		}
		label := labels[utts[i].code]
		if label == "" {
			label = utts[i].code
		}
		start, end := utts[i].start, utts[j-1].end
		if start != NoTime && end != NoTime && end < start {
			end = NoTime
		}
		r.add(label, asrText(strings.Join(texts, " ")), start, end, utts[i].line)
		i = j
	}
	t, err := build(src, src.id, src.id, r.text(), r.turns, meta)
	if err != nil {
		return nil, err
	}
	return []*Transcript{t}, nil
}

// chatParticipants reads "CHI Target_Child, MOT Mary Mother" into labels
// by code: the name, else the role, with underscores as spaces; the code
// is added to labels two participants share.
func chatParticipants(s string) map[string]string {
	labels := map[string]string{}
	var codes []string
	for _, p := range strings.Split(s, ",") {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		label := f[0]
		switch {
		case len(f) >= 3:
			label = strings.Join(f[1:len(f)-1], " ")
		case len(f) == 2:
			label = f[1]
		}
		labels[f[0]] = asrLabel(strings.ReplaceAll(label, "_", " "))
		codes = append(codes, f[0])
	}
	seen := map[string]int{}
	for _, c := range codes {
		seen[labels[c]]++
	}
	for _, c := range codes {
		if seen[labels[c]] > 1 {
			labels[c] += " (" + c + ")"
		}
	}
	return labels
}
