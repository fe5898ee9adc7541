package corpus

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// parseText reads plain text and Markdown transcripts: one transcript per
// file, whose canonical text is the file's own text.
//
// Each line is one of:
//
//   - a label line: "Name: text", with an optional time before the name
//     ("[00:12:03] Name: text"), after it ("Name (00:12:03): text", Rev's
//     "Name (MM:SS):" alone on a line) or after the colon ("Name: [00:12:03]
//     text"); WhisperX's "[SPEAKER_00]: text"; Markdown "**Name:** text" and
//     "**Name**: text". The colon must come within the first 63 characters
//     (MAXQDA's limit on names) and be followed by white space or the line
//     end; the name must be at most 6 words, start with a letter or digit and
//     hold only letters, digits, spaces and . - ' ’ _ , & ( );
//   - an Otter header: "Name  0:49  " (two spaces, m:ss or h:mm:ss; Teams'
//     DOCX transcripts write "Name   0:03" the same way); a Zoom "Save
//     transcript" header "[Name] 10:02:13"; a Word Transcribe header
//     "00:00:05 Speaker 1" (hh:mm:ss, then a name shaped like a name or a
//     label); each alone on its line, the text on the lines below;
//   - a time line: a bare time ("00:05:00", Google Meet's 5-minute marks),
//     Rev's time-only continuation "(00:06:58):", or "[00:06:58] text";
//   - boilerplate, never speech: "Transcribed by https://otter.ai", "Meeting
//     ended after ..." and "Transcription ended after ...", the "This
//     editable transcript was computer generated ..." disclaimer, Markdown
//     headings and rules;
//   - text.
//
// Which label names are speakers is decided over the whole document, names
// compared by SpeakerKey:
//
//  1. a name on the veto list (Note, NB, PS, FYI, Edit, Comment, Memo, Date,
//     Time, Location, Place, Duration, Title, Subject, Topic, Re,
//     Attendees, Participants, Speakers, Present, Transcript, OK, ...)
//     counts only through rule 2's times, never otherwise;
//  2. a speaker is: a name in an Otter header; a name written with a time
//     that is shaped like a name (see 3), looks like a label, or is used at
//     least twice; a name that looks like a label: an upper-case code (I, B,
//     MA, P1, R2), a name in capitals (INTERVIEWER), Speaker N, Unknown
//     Speaker, SPEAKER_NN, a role (Interviewer, Participant 2, Moderator,
//     Respondent, Client, Therapist, Counsellor, Patient, ...); a name listed
//     under "Attendees" (Google Meet) or in an "Attendees:"/"Participants:"
//     line;
//  3. a name used as a label at least twice is a speaker if it is shaped
//     like a name: at most 4 words, each starting with a capital or a digit
//     (lower-case particles such as "de" or "van" aside);
//  4. a name-shaped label used once is a speaker only where the speakers
//     of rules 2 and 3 have their labels: if most of those follow a blank
//     line (one paragraph per turn), it must follow a blank line too, so a
//     label inside a paragraph, such as reported speech "Mum: why?", stays
//     text; with one turn per line it counts anywhere;
//  5. if rules 2 and 3 find no speaker and at least half the non-blank
//     lines are label lines, every name not vetoed is a speaker (a document
//     with only that kind of label).
//
// Any other label line is text of the current turn: "Note: the recorder was
// paused" inside a turn stays in that turn (times written with a rejected
// label still end the turn; see below). When no speaker is found, Otter's
// layout without times is tried: a name alone on a line, after a blank line
// (or at the top) and directly followed by text, is a speaker header when
// the same name is used so at least twice (or is Speaker N), and there are
// at least two such headers.
//
// Turns: a speaker line starts a turn; the lines and paragraphs without a
// label after it belong to it, so a turn's span runs from its first text to
// the end of its last paragraph, blank lines included. A time line, a
// heading, boilerplate and every f4/MAXQDA stamp "#hh:mm:ss-d#" end the
// turn, because labels and time stamps are never inside a span; text after
// them starts a new turn of the same speaker (Rev's time-only
// continuations, text after an f4 stamp inside a paragraph). Repeated
// same-speaker labels (Otter blocks, WhisperX segments) give one turn each.
// Text before the first speaker, after a Markdown heading, or on an
// unlabelled WhisperX line has speaker ""; such turns are one paragraph
// each (one line each in DOCX).
//
// Times: a label's or header's time is its turn's start. An f4 stamp is the
// end of the text before it and the start of the next turn. A bare time line
// gives the start of the next turn only (Google Meet writes one before the
// first turn of each 5-minute block; its other turns have no time). Unknown
// times are NoTime.
//
// Header and title: before the first speaker, YAML front matter, Markdown
// headings, "Key: value" lines whose key is not a speaker, and lines that do
// not end like a sentence (in . ? ! … , ; a quote or a dash) are the header,
// not speech; the first line that ends like a sentence is speech. With
// speakers, a line "Transcript" (Google Meet, Gemini notes) before the first
// speaker ends the header, and everything above it belongs to it. Without
// speakers, only the first paragraph can be a header, and only if text
// follows. The title is the first header line (without Markdown marks or
// Meet's " - Transcript"; front matter's or a "Title:" line's value first),
// else the ID. Metadata: "layout" (otter, zoom, word-transcribe, rev,
// whisperx, google-meet, f4, speaker-colon, name-lines or unlabelled), "attendees", "duration" (from
// Meet's footer), and the header's "Key: value" pairs (keys by SpeakerKey).
//
// A .txt file whose first line is a tab-separated header with a Timespan
// column is NVivo's transcript import layout and is read as a table (see
// parseTable).
func parseText(src source) ([]*Transcript, error) {
	if src.ext == "txt" && nvivoHeader(src.text) {
		return parseTable(src, TableOptions{})
	}
	t, err := parseLabelled(src, src.text)
	if err != nil {
		return nil, err
	}
	return []*Transcript{t}, nil
}

// parseLabelled reads one transcript from canonical text (LF, NFC, no BOM)
// with the rules described at parseText.
func parseLabelled(src source, text string) (*Transcript, error) {
	p := &textParser{text: text, meta: map[string]string{}, paraLines: src.paraLines()}
	p.split()
	p.frontMatter()
	p.attendees()
	p.decide()
	p.header()
	w := walker{text: text, pending: NoTime, paraLines: p.paraLines, whisperx: p.whisperx}
	w.walk(p.lines[p.body:], p.body)
	for k, v := range w.meta {
		p.meta[k] = v
	}
	p.meta["layout"] = p.layout(&w)
	title := p.title
	if title == "" {
		title = src.id
	}
	return build(src, src.id, title, text, w.turns, p.meta)
}

// maxName is the longest speaker name in code points (MAXQDA's limit).
const maxName = 63

type lineKind int

const (
	lkBlank   lineKind = iota
	lkText             // speech, continuation, or a label that is not a speaker
	lkLabel            // a speaker label, maybe with text after it
	lkHeader           // a speaker name alone on a line (Otter)
	lkTime             // a time line, maybe with text after it
	lkHeading          // Markdown heading or rule
	lkBoiler           // footers and disclaimers, never speech
)

// tline is one line of the text and what it holds.
type tline struct {
	b0, b1  int // the line in text, without its newline
	kind    lineKind
	name    string        // speaker name for lkLabel and lkHeader
	key     string        // SpeakerKey(name)
	at      time.Duration // time of a label, header or time line, or NoTime
	timed   bool          // the label carries a time
	body    int           // where the line's text starts (after any label)
	lead    time.Duration // an f4 stamp before the label, or NoTime
	bracket bool          // the name was written "[NAME]"
	rev     bool          // Rev layout: a time in brackets after the name, or a time-only label
	nameAt  int           // where the label's name starts
	prefix  bool          // the label's time comes before the name
	style   string        // a header's layout: "zoom" or "word-transcribe"; "" otherwise
}

// textParser holds the document-wide state of parseLabelled.
type textParser struct {
	text      string
	lines     []tline
	meta      map[string]string
	attend    map[string]bool // speaker keys listed as attendees
	list      map[int]bool    // lines that list attendees
	fmEnd     int             // lines before it are YAML front matter
	meetList  bool            // a Google Meet "Attendees" line
	title     string
	body      int  // index of the first line after the header
	speakers  bool // some label was taken as a speaker
	named     bool // speakers come from name lines (Otter without times)
	whisperx  bool // WhisperX "[SPEAKER_NN]:" labels
	paraLines bool // every line is a paragraph (DOCX)
}

const clock = `\d{1,3}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?`

var (
	bareTimeRe   = lazyRegexp(`^[\[(]?(` + clock + `)[\])]?:?$`)
	leadTimeRe   = lazyRegexp(`^(?:[\[(](` + clock + `)[\])][ \t]*|(` + clock + `)[ \t]+)`)
	bracketRe    = lazyRegexp(`^[\[(](` + clock + `)[\])]`)
	suffixTimeRe = lazyRegexp(`[ \t]*[\[(](` + clock + `)[\])]$`)
	otterRe      = lazyRegexp(`^(.*?\S)(?: {2,}|\t+)(` + clock + `)[ \t]*$`)
	zoomSavedRe  = lazyRegexp(`^[ \t]*\[([^\[\]]+)\][ \t]+(\d{1,2}:\d{2}:\d{2})[ \t]*$`)
	transcribeRe = lazyRegexp(`^[ \t]*(\d{1,2}:\d{2}:\d{2})[ \t]+(\S.*?)[ \t]*$`)
	stampRe      = lazyRegexp(`#(\d{1,2}:\d{2}:\d{2})-(\d{1,3})#`)
	boilerRe     = lazyRegexp(`(?i)^(?:transcribed by (?:https?://)?(?:www\.)?otter\.ai/?|this editable transcript was computer generated\b.*)$`)
	endedRe      = lazyRegexp(`(?i)^(?:meeting|transcription) ended after (\d{1,3}:\d{2}:\d{2})\b`)
	codeRe       = lazyRegexp(`^[A-Z]{1,3}\d{0,3}$`)
	speakerNRe   = lazyRegexp(`(?i)^(?:unknown speaker|speaker[ _-]?(?:\d+|[a-z]))$`)
	roleRe       = lazyRegexp(`(?i)^(?:the )?(?:interviewer|interviewee|participant|respondent|moderator|co-?moderator|facilitator|co-?facilitator|observer|researcher|client|therapist|counsell?or|patient|doctor|nurse|clinician|practitioner|carer|caregiver|family member|service user|professional|host|guest|translator|interpreter)(?:[ _#-]?(?:\d+|[a-z]))?$`)
)

// veto lists label words that are annotations or header fields, never
// speakers when written without a time (compared by SpeakerKey).
var veto = map[string]bool{
	"note": true, "notes": true, "nb": true, "n-b": true, "ps": true, "p-s": true,
	"fyi": true, "edit": true, "comment": true, "comments": true, "memo": true,
	"todo": true, "date": true, "time": true, "location": true, "place": true,
	"duration": true, "length": true, "title": true, "subject": true, "topic": true,
	"re": true, "attendees": true, "participants": true, "speakers": true,
	"present": true, "transcript": true, "transcribed-by": true, "recorded": true,
	"ok": true, "okay": true,
}

// split cuts the text into lines and classifies each.
func (p *textParser) split() {
	for off := 0; off <= len(p.text); {
		end := strings.IndexByte(p.text[off:], '\n')
		if end < 0 {
			end = len(p.text)
		} else {
			end += off
		}
		p.lines = append(p.lines, classify(p.text, off, end))
		off = end + 1
	}
}

// classify reads one line, text[b0:b1].
func classify(text string, b0, b1 int) tline {
	l := tline{b0: b0, b1: b1, at: NoTime, lead: NoTime, body: b0}
	s := text[b0:b1]
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return l
	case isHeading(t) || isRule(t):
		l.kind = lkHeading
		return l
	case strings.ContainsRune("TtMm", rune(t[0])) && (boilerRe().MatchString(t) || endedRe().MatchString(t)):
		l.kind = lkBoiler
		return l
	}
	l.body = b0 + len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
	if len(t) <= 24 {
		if m := bareTimeRe().FindStringSubmatch(t); m != nil {
			if d, ok := parseClock(m[1]); ok {
				l.kind, l.at, l.body = lkTime, d, b1
				return l
			}
		}
	}
	// An f4 stamp may open the paragraph; the label comes after it.
	i := l.body - b0
	if m := stampRe().FindStringSubmatchIndex(s[i:]); m != nil && m[0] == 0 {
		l.lead, _ = parseStamp(s[i+m[2]:i+m[3]], s[i+m[4]:i+m[5]])
		i = skipSpace(s, i+m[1])
	}
	if l.lead == NoTime && len(s) <= 4*maxName {
		if h, ok := timedHeader(s); ok {
			l.kind, l.name, l.key, l.at, l.timed, l.body, l.style = lkHeader, h.name, SpeakerKey(h.name), h.at, true, b1, h.style
			return l
		}
	}
	if lab, ok := parseLabel(s, i); ok {
		l.at, l.timed, l.body, l.bracket, l.rev = lab.at, lab.timed, b0+lab.body, lab.bracket, lab.rev
		l.name, l.key, l.nameAt, l.prefix = lab.name, SpeakerKey(lab.name), b0+lab.nameAt, lab.prefix
		l.kind = lkLabel
		if lab.name == "" {
			l.kind = lkTime
		}
		return l
	}
	if l.lead == NoTime {
		if m := otterMatch(s); m != nil && isName(strings.TrimSpace(m[1])) {
			if d, ok := parseClock(m[2]); ok {
				l.kind, l.name, l.at, l.timed, l.body = lkHeader, strings.TrimSpace(m[1]), d, true, b1
				l.key = SpeakerKey(l.name)
				return l
			}
		}
		if m := bracketRe().FindStringSubmatchIndex(s[i:]); m != nil {
			if d, ok := parseClock(s[i+m[2] : i+m[3]]); ok {
				l.kind, l.at, l.body = lkTime, d, b0+skipSpace(s, i+m[1])
				return l
			}
		}
	}
	l.kind, l.lead = lkText, NoTime // the walker finds the stamp in the text
	return l
}

// timedHeader reads a Zoom "Save transcript" header ("[Jordan Reyes]
// 10:02:13") or a Word Transcribe header ("00:00:05 Speaker 1"): a name
// and a time alone on a line. Word's name must look like a name or a label,
// so that "00:12:30 and then" stays text.
func timedHeader(s string) (label, bool) {
	var name, at, style string
	if m := zoomSavedRe().FindStringSubmatch(s); m != nil {
		name, at, style = strings.TrimSpace(m[1]), m[2], "zoom"
	} else if m := transcribeRe().FindStringSubmatch(s); m != nil {
		name, at, style = m[2], m[1], "word-transcribe"
		if !nameShaped(name) && !speakerish(name) {
			return label{}, false
		}
	} else {
		return label{}, false
	}
	d, ok := parseClock(at)
	if !ok || !isName(name) {
		return label{}, false
	}
	return label{name: name, at: d, timed: true, style: style}, true
}

// nvivoHeader reports whether text starts with a tab-separated header that
// has a Timespan column: NVivo's transcript import layout.
func nvivoHeader(text string) bool {
	line, _, _ := strings.Cut(strings.TrimLeft(text, " \t\n"), "\n")
	fields := strings.Split(line, "\t")
	if len(fields) < 2 {
		return false
	}
	for _, f := range fields {
		if headerKey(f) == "timespan" {
			return true
		}
	}
	return false
}

// otterMatch matches an Otter header, looking at the line's end first: the
// regular expression is slow on long lines of text.
func otterMatch(s string) []string {
	t := strings.TrimRight(s, " \t")
	if len(t) < 4 || t[len(t)-1] < '0' || t[len(t)-1] > '9' || len(s) > 4*maxName {
		return nil
	}
	return otterRe().FindStringSubmatch(s)
}

// label is a speaker label found at the start of a line.
type label struct {
	name    string
	style   string // see tline.style
	at      time.Duration
	timed   bool
	body    int // offset in the line where the speech starts
	nameAt  int // offset of the name
	prefix  bool
	bracket bool
	rev     bool
}

// parseLabel reads a label in s starting at byte i: an optional time, an
// optional Markdown emphasis mark, the name (maybe followed by a time in
// brackets), a colon followed by a space or the line end, and an optional
// time after the colon. A label with a time may have no name (Rev's
// continuation "(00:06:58):").
func parseLabel(s string, i int) (label, bool) {
	lab := label{at: NoTime}
	if i >= len(s) {
		return lab, false
	}
	if c := s[i]; c == '[' || c == '(' || c >= '0' && c <= '9' {
		if m := leadTimeRe().FindStringSubmatch(s[i:]); m != nil {
			if d, ok := parseClock(m[1] + m[2]); ok {
				lab.at, lab.timed, lab.prefix = d, true, true
				i += len(m[0])
			}
		}
	}
	lab.nameAt = i
	em := ""
	for _, e := range []string{"**", "__", "*", "_"} {
		if strings.HasPrefix(s[i:], e) {
			em = e
			i += len(e)
			break
		}
	}
	// Find the colon within the first maxName code points, stepping over
	// times in brackets ("Name (00:12:03):").
	colon, width, n := -1, 0, 0
	for j := i; j < len(s) && n <= maxName; n++ {
		if s[j] == '(' || s[j] == '[' {
			if m := bracketRe().FindStringIndex(s[j:]); m != nil {
				j += m[1]
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == ':' || r == '：' {
			colon, width = j, size
			break
		}
		j += size
	}
	if colon < 0 {
		return lab, false
	}
	name := strings.TrimSpace(s[i:colon])
	after := colon + width
	if em != "" {
		name = strings.TrimSpace(strings.TrimSuffix(name, em))
		if strings.HasPrefix(s[after:], em) {
			after += len(em)
		}
	}
	if r, _ := utf8.DecodeRuneInString(s[after:]); after < len(s) && !unicode.IsSpace(r) {
		return lab, false
	}
	if m := suffixTimeRe().FindStringSubmatchIndex(name); m != nil {
		if d, ok := parseClock(name[m[2]:m[3]]); ok && !lab.timed {
			lab.at, lab.timed, lab.rev = d, true, true
			name = strings.TrimSpace(name[:m[0]])
		}
	}
	if len(name) >= 2 && name[0] == '[' && name[len(name)-1] == ']' {
		name, lab.bracket = strings.TrimSpace(name[1:len(name)-1]), true
	}
	if name == "" {
		if !lab.timed {
			return lab, false
		}
		lab.rev = true
	} else if !isName(name) {
		return lab, false
	}
	j := skipSpace(s, after)
	if m := bracketRe().FindStringSubmatchIndex(s[j:]); m != nil && !lab.timed {
		if d, ok := parseClock(s[j+m[2] : j+m[3]]); ok {
			lab.at, lab.timed = d, true
			j = skipSpace(s, j+m[1])
		}
	}
	lab.name, lab.body = name, j
	return lab, true
}

// isName reports whether s can be a speaker name: 1 to 6 words, at most
// maxName code points, starting with a letter or digit, holding a letter,
// and only letters, digits, spaces and . - ' ’ _ , & ( ).
func isName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxName {
		return false
	}
	if w := len(strings.Fields(s)); w < 1 || w > 6 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(first) && !unicode.IsDigit(first) {
		return false
	}
	letter := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r), unicode.IsMark(r), r == ' ', strings.ContainsRune(".-'’_,&()", r):
		default:
			return false
		}
	}
	return letter
}

// particles may start a word of a name in lower case.
var particles = map[string]bool{"de": true, "da": true, "di": true, "del": true, "della": true, "van": true, "von": true, "der": true, "den": true, "la": true, "le": true, "du": true, "bin": true, "al": true, "el": true, "y": true, "e": true, "of": true}

// nameShaped reports whether s looks like a person's name: at most 4 words,
// each starting with a capital, a digit or a bracket, particles aside.
func nameShaped(s string) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 4 {
		return false
	}
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(r) || unicode.IsDigit(r) || unicode.IsTitle(r) || r == '(' {
			continue
		}
		if i == 0 || !particles[w] {
			return false
		}
	}
	return true
}

// speakerish reports whether a name looks like a speaker label by itself.
func speakerish(s string) bool {
	if codeRe().MatchString(s) || speakerNRe().MatchString(s) || roleRe().MatchString(s) {
		return true
	}
	// A name in capitals: INTERVIEWER, DR. SMITH, SPEAKER_01.
	if len(strings.Fields(s)) > 4 {
		return false
	}
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters > 0
}

// frontMatter takes a YAML front matter block ("---" ... "---") at the top
// as header: "title:" gives the title, other "key: value" lines metadata.
func (p *textParser) frontMatter() {
	if len(p.lines) < 2 || p.line(0) != "---" {
		return
	}
	for i := 1; i < len(p.lines) && i < 200; i++ {
		t := p.line(i)
		if t == "---" || t == "..." {
			for j := 1; j < i; j++ {
				k, v, ok := strings.Cut(p.line(j), ":")
				v = strings.Trim(strings.TrimSpace(v), `"'`)
				if !ok || v == "" {
					continue
				}
				if key := SpeakerKey(k); key == "title" && p.title == "" {
					p.title = v
				} else if key != "" {
					p.meta[key] = v
				}
			}
			for j := 0; j <= i; j++ {
				p.lines[j].kind = lkHeading
			}
			p.fmEnd = i + 1
			return
		}
	}
}

// line returns line i without surrounding space.
func (p *textParser) line(i int) string {
	return strings.TrimSpace(p.text[p.lines[i].b0:p.lines[i].b1])
}

// attendees collects the names listed under "Attendees" (Google Meet) or in
// an "Attendees:", "Participants:" or "Speakers:" line: they are speakers.
func (p *textParser) attendees() {
	p.attend, p.list = map[string]bool{}, map[int]bool{}
	var list []string
	for i := range p.lines {
		l := &p.lines[i]
		switch {
		case strings.EqualFold(p.line(i), "attendees"):
			for j := i + 1; j < len(p.lines); j++ {
				if t := p.line(j); t != "" {
					list = append(list, t)
					lj := p.lines[j] // a list of names, not a label
					p.lines[j] = tline{b0: lj.b0, b1: lj.b1, kind: lkText, at: NoTime, lead: NoTime, body: lj.b0}
					p.list[i], p.list[j], p.meetList = true, true, true
					break
				}
			}
		case l.kind == lkLabel && !l.timed:
			switch l.key {
			case "attendees", "participants", "speakers", "present":
				list = append(list, strings.TrimSpace(p.text[l.body:l.b1]))
			}
		}
	}
	var names []string
	for _, s := range list {
		for _, n := range strings.Split(s, ",") {
			if k := SpeakerKey(n); k != "" {
				p.attend[k] = true
				names = append(names, strings.TrimSpace(n))
			}
		}
	}
	if len(names) > 0 {
		p.meta["attendees"] = strings.Join(names, ", ")
	}
}

// labelCand counts one label name's uses.
type labelCand struct {
	n             int  // label lines with this name
	strong, shape bool // rule 2 (but for times); shaped like a name
	ish           bool // looks like a label (speakerish)
	timed, header bool // written with a time; as an Otter header
}

// decide applies the speaker rules of parseText: label lines whose name is
// not a speaker become text, and name lines become headers when the
// document uses them.
func (p *textParser) decide() {
	cands := map[string]*labelCand{}
	labels, content := 0, 0
	for _, l := range p.lines {
		if l.kind != lkBlank {
			content++
		}
		if (l.kind != lkLabel && l.kind != lkHeader) || l.name == "" {
			continue
		}
		labels++
		key := l.key
		c := cands[key]
		if c == nil {
			c = &labelCand{}
			cands[key] = c
		}
		c.n++
		c.ish = c.ish || speakerish(l.name)
		c.strong = c.strong || (c.ish && !veto[key]) || p.attend[key]
		c.shape = c.shape || nameShaped(l.name)
		c.timed = c.timed || l.timed
		c.header = c.header || l.kind == lkHeader
	}
	accept := map[string]bool{}
	for key, c := range cands {
		timed := c.header || (c.timed && (c.shape || c.ish || c.n >= 2))
		if c.strong || timed || (!veto[key] && c.n >= 2 && c.shape) {
			accept[key] = true
		}
	}
	if len(accept) > 0 {
		p.once(cands, accept)
	} else if labels > 0 && 2*labels >= content {
		for key := range cands {
			if !veto[key] {
				accept[key] = true
			}
		}
	}
	for i := range p.lines {
		l := &p.lines[i]
		if (l.kind == lkLabel || l.kind == lkHeader) && l.name != "" {
			if !accept[l.key] || (veto[l.key] && !l.timed) {
				// The label is text; times around it stay out of the text.
				switch {
				case l.prefix:
					l.kind, l.body = lkTime, l.nameAt
				case l.timed:
					l.kind = lkTime // a time after the name: drop the label
				default:
					l.kind, l.at, l.body = lkText, NoTime, l.nameAt
				}
				l.name, l.key, l.timed = "", "", false
				continue
			}
			p.speakers = true
			if l.bracket && strings.HasPrefix(strings.ToUpper(l.name), "SPEAKER_") {
				p.whisperx = true
			}
		}
	}
	if !p.speakers {
		p.nameLines()
	}
}

// once applies rule 4: a name-shaped label used once is a speaker where the
// accepted speakers' labels stand (after a blank line, or anywhere).
func (p *textParser) once(cands map[string]*labelCand, accept map[string]bool) {
	after, total := 0, 0
	for i, l := range p.lines {
		if (l.kind == lkLabel || l.kind == lkHeader) && l.name != "" && accept[l.key] {
			total++
			if p.afterBlank(i) {
				after++
			}
		}
	}
	paragraphs := 2*after > total
	for i, l := range p.lines {
		if l.kind != lkLabel || l.name == "" {
			continue
		}
		key := l.key
		if c := cands[key]; c.n == 1 && c.shape && !veto[key] && (!paragraphs || p.afterBlank(i)) {
			accept[key] = true
		}
	}
}

// afterBlank reports whether line i starts a paragraph.
func (p *textParser) afterBlank(i int) bool {
	if i == 0 {
		return true
	}
	switch p.lines[i-1].kind {
	case lkBlank, lkHeading, lkBoiler, lkTime:
		return true
	}
	return false
}

// nameLines finds Otter's layout without times: a name alone on a line
// after a blank line (or at the top), directly followed by text.
func (p *textParser) nameLines() {
	count := map[string]int{}
	cand := func(i int) (string, bool) {
		l := p.lines[i]
		if l.kind != lkText || l.lead != NoTime || i+1 >= len(p.lines) || p.lines[i+1].kind != lkText {
			return "", false
		}
		if i > 0 && p.lines[i-1].kind != lkBlank {
			return "", false
		}
		t := p.line(i)
		if !isName(t) || !nameShaped(t) || endsSentence(t) || veto[SpeakerKey(t)] {
			return "", false
		}
		return t, true
	}
	for i := range p.lines {
		if t, ok := cand(i); ok {
			count[SpeakerKey(t)]++
		}
	}
	total := 0
	ok := func(t string) bool { return count[SpeakerKey(t)] >= 2 || speakerNRe().MatchString(t) }
	for i := range p.lines {
		if t, c := cand(i); c && ok(t) {
			total++
		}
	}
	if total < 2 {
		return
	}
	for i := range p.lines {
		if t, c := cand(i); c && ok(t) {
			l := &p.lines[i]
			l.kind, l.name, l.key, l.body = lkHeader, t, SpeakerKey(t), l.b1
			p.speakers, p.named = true, true
		}
	}
}

// header finds the header lines at the top (see parseText), sets the title
// and metadata, and where the body starts.
func (p *textParser) header() {
	first := len(p.lines)
	for i, l := range p.lines {
		if l.kind == lkLabel || l.kind == lkHeader {
			first = i
			break
		}
	}
	end := 0
	for i := 0; i < first && p.speakers; i++ {
		if strings.EqualFold(letters(p.line(i)), "transcript") {
			end = i + 1
		}
	}
	if end == 0 {
		para := false // a header line was seen in this paragraph
	walk:
		for i := 0; i < first; i++ {
			l := p.lines[i]
			switch l.kind {
			case lkBlank:
				if para && !p.speakers {
					break walk // without speakers, only the first paragraph
				}
				end = i + 1
				continue
			case lkHeading, lkBoiler:
				end, para = i+1, true
				continue
			case lkText:
				if t := p.line(i); !endsSentence(t) || isField(t) {
					end, para = i+1, true
					continue
				}
			}
			break
		}
		if !p.speakers && !p.hasText(end) {
			end = 0
		}
	}
	for i := p.fmEnd; i < end; i++ {
		l := p.lines[i]
		t := p.line(i)
		if p.list[i] || (l.kind != lkText && l.kind != lkHeading) || isRule(t) {
			continue
		}
		if k, v, ok := field(t); ok {
			if k == "title" && p.title == "" {
				p.title = v
			} else if _, seen := p.meta[k]; !seen {
				p.meta[k] = v
			}
			continue
		}
		if p.title == "" && !strings.EqualFold(letters(t), "transcript") {
			p.title = cleanTitle(t)
		}
	}
	p.body = end
}

// letters returns t from its first letter on ("📖 Transcript" is
// "Transcript").
func letters(t string) string {
	return strings.TrimLeftFunc(t, func(r rune) bool { return !unicode.IsLetter(r) })
}

// hasText reports whether a text line follows line i.
func (p *textParser) hasText(i int) bool {
	for ; i < len(p.lines); i++ {
		if p.lines[i].kind == lkText {
			return true
		}
	}
	return false
}

// isField reports whether t is a "Key: value" header line.
func isField(t string) bool {
	_, _, ok := field(t)
	return ok
}

// field splits a "Key: value" header line.
func field(t string) (key, value string, ok bool) {
	lab, ok := parseLabel(t, 0)
	if !ok || lab.timed || lab.name == "" {
		return "", "", false
	}
	v := strings.TrimSpace(t[lab.body:])
	key = SpeakerKey(lab.name)
	if v == "" || key == "" || key == "layout" {
		return "", "", false
	}
	return key, v, true
}

// cleanTitle strips Markdown marks and Meet's " - Transcript" from a title.
func cleanTitle(t string) string {
	t = strings.TrimSpace(strings.Trim(strings.TrimSpace(strings.Trim(t, "#")), "*_"))
	return strings.TrimSpace(strings.TrimSuffix(t, " - Transcript"))
}

// endsSentence reports whether a line ends like speech rather than a title.
func endsSentence(t string) bool {
	t = strings.TrimRight(t, "*_ \t")
	r, _ := utf8.DecodeLastRuneInString(t)
	return strings.ContainsRune(".?!…\"”»'’-–—,;", r)
}

func isHeading(t string) bool {
	n := len(t) - len(strings.TrimLeft(t, "#"))
	return n >= 1 && n <= 6 && (n == len(t) || t[n] == ' ' || t[n] == '\t')
}

// isRule reports a Markdown rule or setext underline: ---, ***, ___, ===.
func isRule(t string) bool {
	if t == "" || !strings.Contains("-*_=", t[:1]) {
		return false
	}
	t = strings.ReplaceAll(t, " ", "")
	return len(t) >= 3 && strings.Count(t, t[:1]) == len(t)
}

// layout names the export layout for the metadata.
func (p *textParser) layout(w *walker) string {
	var otter, rev, labels bool
	style := ""
	for _, l := range p.lines {
		switch {
		case l.kind == lkHeader && l.style != "":
			style = l.style
		case l.kind == lkHeader && l.timed:
			otter = true
		case l.rev && (l.kind == lkLabel || l.kind == lkTime):
			rev = true
		case l.kind == lkLabel:
			labels = true
		}
	}
	switch {
	case stampRe().MatchString(p.text):
		return "f4"
	case w.meet || p.meetList:
		return "google-meet"
	case style != "":
		return style
	case otter || w.otter:
		return "otter"
	case rev:
		return "rev"
	case p.whisperx:
		return "whisperx"
	case p.named:
		return "name-lines"
	case labels:
		return "speaker-colon"
	}
	return "unlabelled"
}

// walker turns the body's lines into raw turns.
type walker struct {
	text      string
	turns     []rawTurn
	open      bool
	cur       rawTurn
	speaker   string        // the current speaker, carried to continuations
	pending   time.Duration // start of the next turn, from a time line or stamp
	paraLines bool
	whisperx  bool
	meet      bool // saw Meet's footer
	otter     bool // saw Otter's footer
	meta      map[string]string
}

func (w *walker) walk(lines []tline, first int) {
	for n, l := range lines {
		line := first + n + 1
		if l.lead != NoTime {
			w.stamp(l.lead)
		}
		switch l.kind {
		case lkBlank:
			if w.speaker == "" {
				w.close(NoTime)
			}
		case lkHeading:
			w.close(NoTime)
			w.speaker = ""
		case lkBoiler:
			w.close(NoTime)
			t := strings.TrimSpace(w.text[l.b0:l.b1])
			if m := endedRe().FindStringSubmatch(t); m != nil {
				w.meet = true
				w.setMeta("duration", m[1])
			} else if strings.Contains(strings.ToLower(t), "otter.ai") {
				w.otter = true
			}
		case lkLabel, lkHeader:
			w.start(l.name, l.at, l.body, line)
			w.add(l.body, l.b1, line)
		case lkTime:
			w.close(NoTime)
			w.pending = l.at
			w.add(l.body, l.b1, line)
		case lkText:
			if w.whisperx && w.speaker != "" {
				w.close(NoTime) // an unlabelled WhisperX segment
				w.speaker = ""
			}
			w.add(l.body, l.b1, line)
		}
		if w.paraLines && w.speaker == "" {
			w.close(NoTime)
		}
	}
	w.close(NoTime)
}

func (w *walker) setMeta(k, v string) {
	if w.meta == nil {
		w.meta = map[string]string{}
	}
	w.meta[k] = v
}

// start opens a turn of speaker at byte b.
func (w *walker) start(speaker string, at time.Duration, b, line int) {
	w.close(NoTime)
	if at == NoTime {
		at = w.pending
	}
	w.pending = NoTime
	w.speaker = speaker
	w.cur = rawTurn{speaker: speaker, start: at, end: NoTime, b0: b, b1: b, line: line}
	w.open = true
}

// close ends the open turn, keeping it if it has text.
func (w *walker) close(end time.Duration) {
	if !w.open {
		return
	}
	w.open = false
	b0, b1 := trimSpan(w.text, w.cur.b0, w.cur.b1)
	if b0 >= b1 {
		return
	}
	w.cur.b0, w.cur.b1 = b0, b1
	if end != NoTime {
		w.cur.end = end
	}
	w.turns = append(w.turns, w.cur)
}

// stamp handles an f4 stamp: the end of the open turn, the start of the next.
func (w *walker) stamp(at time.Duration) {
	w.close(at)
	w.pending = at
}

// add adds text[a:b] to the open turn, or to a new turn of the current
// speaker, cutting it at f4 stamps.
func (w *walker) add(a, b, line int) {
	base := a
	for _, m := range stampRe().FindAllStringSubmatchIndex(w.text[base:b], -1) {
		w.extend(a, base+m[0], line)
		if at, ok := parseStamp(w.text[base+m[2]:base+m[3]], w.text[base+m[4]:base+m[5]]); ok {
			w.stamp(at)
		} else {
			w.close(NoTime)
		}
		a = base + m[1]
	}
	w.extend(a, b, line)
}

func (w *walker) extend(a, b, line int) {
	if strings.TrimSpace(w.text[a:b]) == "" {
		return
	}
	if !w.open {
		w.start(w.speaker, NoTime, a, line)
	}
	w.cur.b1 = b
}

// trimSpan trims white space (by unicode.IsSpace) off text[b0:b1].
func trimSpan(text string, b0, b1 int) (int, int) {
	s := text[b0:b1]
	t := strings.TrimLeftFunc(s, unicode.IsSpace)
	b0 += len(s) - len(t)
	return b0, b0 + len(strings.TrimRightFunc(t, unicode.IsSpace))
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// parseClock reads m:ss, h:mm:ss (1 to 3 leading digits) with an optional
// fraction after "." or ",".
func parseClock(s string) (time.Duration, bool) {
	frac := time.Duration(0)
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		f, ok := fraction(s[i+1:])
		if !ok {
			return 0, false
		}
		s, frac = s[:i], f
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var d time.Duration
	for i, part := range parts {
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 || (i > 0 && (len(part) != 2 || v > 59)) {
			return 0, false
		}
		d = d*60 + time.Duration(v)
	}
	return d*time.Second + frac, true
}

// parseStamp reads an f4 stamp's time and its digits after "-" (tenths of
// a second for one digit; a decimal fraction in general).
func parseStamp(hms, tenths string) (time.Duration, bool) {
	d, ok := parseClock(hms)
	if !ok {
		return 0, false
	}
	f, ok := fraction(tenths)
	return d + f, ok
}

// fraction reads digits as the decimal fraction of a second.
func fraction(digits string) (time.Duration, bool) {
	if digits == "" || len(digits) > 9 {
		return 0, false
	}
	v, err := strconv.Atoi(digits)
	if err != nil || v < 0 {
		return 0, false
	}
	for i := len(digits); i < 9; i++ {
		v *= 10
	}
	return time.Duration(v), true
}
