package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Role is what a speaker is in a study, the way analysts think of speakers:
// the one who asks (interviewer, moderator) and the ones who answer. The
// zero value is unknown.
type Role string

// The roles. Service users, clients, patients and focus-group members are
// participants; family members and carers are family; staff interviewed in
// their work role are professionals.
const (
	RoleUnknown      Role = ""
	RoleInterviewer  Role = "interviewer"
	RoleParticipant  Role = "participant"
	RoleFamily       Role = "family"
	RoleProfessional Role = "professional"
)

// Roles lists the known roles, unknown first.
var Roles = []Role{RoleUnknown, RoleInterviewer, RoleParticipant, RoleFamily, RoleProfessional}

// roleWords maps words and phrases of speaker labels (as SpeakerKey writes
// them) to roles. A label names a role when one of these is the whole label
// or one of its words ("Interviewer 2", "Moderator (Anna)", "Anna -
// interviewer", "Mother of P3"), the longest phrase first ("occupational
// therapist" is a professional, "therapist" an interviewer). Counselling
// and therapy recordings (AnnoMI) are read as interviews: the therapist asks.
// A few Norwegian and German words are in because the research groups who
// use this tool transcribe in those languages before translating.
var roleWords = map[string]Role{
	// The one who asks.
	"interviewer": RoleInterviewer, "interviewers": RoleInterviewer,
	"co-interviewer": RoleInterviewer,
	"moderator":      RoleInterviewer, "co-moderator": RoleInterviewer,
	"facilitator": RoleInterviewer, "co-facilitator": RoleInterviewer,
	"researcher": RoleInterviewer, "investigator": RoleInterviewer,
	"interviewing-researcher": RoleInterviewer,
	"therapist":               RoleInterviewer, "counsellor": RoleInterviewer, "counselor": RoleInterviewer,
	"host": RoleInterviewer, "chair": RoleInterviewer,
	"intervjuer": RoleInterviewer, "interviewerin": RoleInterviewer,
	// The ones who answer.
	"participant": RoleParticipant, "participants": RoleParticipant,
	"respondent": RoleParticipant, "interviewee": RoleParticipant,
	"client": RoleParticipant, "service-user": RoleParticipant, "user": RoleParticipant,
	"patient": RoleParticipant, "informant": RoleParticipant, "guest": RoleParticipant,
	"member": RoleParticipant, "group-member": RoleParticipant, "consumer": RoleParticipant,
	"deltaker": RoleParticipant, "bruker": RoleParticipant, "tjenestebruker": RoleParticipant,
	"befragte": RoleParticipant, "befragter": RoleParticipant, "teilnehmer": RoleParticipant,
	"teilnehmerin": RoleParticipant,
	// Family and carers.
	"family": RoleFamily, "family-member": RoleFamily, "relative": RoleFamily,
	"next-of-kin": RoleFamily, "carer": RoleFamily, "caregiver": RoleFamily,
	"family-carer": RoleFamily, "informal-carer": RoleFamily,
	"mother": RoleFamily, "father": RoleFamily, "mum": RoleFamily, "mom": RoleFamily,
	"dad": RoleFamily, "parent": RoleFamily, "partner": RoleFamily, "spouse": RoleFamily,
	"wife": RoleFamily, "husband": RoleFamily, "son": RoleFamily, "daughter": RoleFamily,
	"sister": RoleFamily, "brother": RoleFamily, "sibling": RoleFamily,
	"grandmother": RoleFamily, "grandfather": RoleFamily, "grandparent": RoleFamily,
	"aunt": RoleFamily, "uncle": RoleFamily, "guardian": RoleFamily,
	"parorende": RoleFamily, "pårørende": RoleFamily,
	// Staff speaking in their work role.
	"professional": RoleProfessional, "practitioner": RoleProfessional,
	"clinician": RoleProfessional, "staff": RoleProfessional, "staff-member": RoleProfessional,
	"nurse": RoleProfessional, "doctor": RoleProfessional, "physician": RoleProfessional,
	"gp": RoleProfessional, "psychiatrist": RoleProfessional, "psychologist": RoleProfessional,
	"social-worker": RoleProfessional, "support-worker": RoleProfessional,
	"peer-worker": RoleProfessional, "peer-support-worker": RoleProfessional,
	"key-worker": RoleProfessional, "keyworker": RoleProfessional,
	"care-coordinator": RoleProfessional, "case-manager": RoleProfessional,
	"occupational-therapist": RoleProfessional,
	"worker":                 RoleProfessional, "employee": RoleProfessional, "manager": RoleProfessional,
	"fagperson": RoleProfessional, "ansatt": RoleProfessional, "helsepersonell": RoleProfessional,
	"mitarbeiter": RoleProfessional, "mitarbeiterin": RoleProfessional,
}

// roleCodes maps the short codes transcribers use to roles. A code is
// matched only as the whole label, with or without a number ("P3", "R-2",
// "I"), never as a word of a longer label: "Speaker A" is not a
// participant.
var roleCodes = map[string]Role{
	"i": RoleInterviewer, "int": RoleInterviewer, "iv": RoleInterviewer,
	"ivr": RoleInterviewer, "q": RoleInterviewer, "mod": RoleInterviewer,
	"fac": RoleInterviewer,
	"p":   RoleParticipant, "r": RoleParticipant, "s": RoleParticipant,
	"ip": RoleParticipant, "ie": RoleParticipant, "su": RoleParticipant,
	"fm": RoleFamily, "hp": RoleProfessional,
}

// pairCodes are one-letter codes that name a role only beside their
// partner code in the same transcript: "A" answers "Q", "B" (German
// Befragte) answers "I", "T" (therapist) asks "C" (client). Alone they
// are just unnamed speakers ("A" and "B"), or ambiguous ("C" is a client
// or a counsellor).
var pairCodes = map[string]struct {
	partner string
	role    Role
}{
	"a": {"q", RoleParticipant},
	"b": {"i", RoleParticipant},
	"t": {"c", RoleInterviewer},
	"c": {"t", RoleParticipant},
}

// LabelRole returns the role a speaker label names, or RoleUnknown when it
// names a person ("Jordan Reyes", "Dr. Patel") or is a machine label
// ("Speaker 1", "SPEAKER_00"). The choices for short codes:
//
//   - I, INT, IV, IVR, Q, MOD, FAC: interviewer;
//   - P, P1..Pn, R, R1..Rn, S, IP, IE, SU: participant (P is a participant,
//     R a respondent, S a service user, IP and IE an interviewee);
//   - FM: family (family member); HP: professional (health professional).
//
// Codes read differently beside others in the same transcript are decided
// by AssignRoles: a bare P beside S is the professional of a dyadic
// interview (domain.md: "service user (often S), professional (often
// P)"), while P1..Pn stay participants; A beside Q and B beside I are
// participants; T beside C is the interviewer (therapist) and C the
// client. LabelRole alone reads A, B, C, T, M as unknown: too many
// meanings.
func LabelRole(label string) Role {
	key := SpeakerKey(label)
	if key == "" {
		return RoleUnknown
	}
	if r, ok := roleCodes[codeOf(key)]; ok {
		return r
	}
	if r, ok := roleWords[key]; ok {
		return r
	}
	// The longest phrase of up to three words found in the label.
	words := strings.Split(key, "-")
	for n := min(3, len(words)); n >= 1; n-- {
		for i := 0; i+n <= len(words); i++ {
			if r, ok := roleWords[strings.Join(words[i:i+n], "-")]; ok {
				return r
			}
		}
	}
	return RoleUnknown
}

// codeOf strips a number from a speaker key: "p3", "p-3" and "p" are all
// "p". Keys with anything else after the letters are returned whole.
func codeOf(key string) string {
	i := 0
	for i < len(key) && key[i] >= 'a' && key[i] <= 'z' {
		i++
	}
	rest := strings.TrimPrefix(key[i:], "-")
	for j := 0; j < len(rest); j++ {
		if rest[j] < '0' || rest[j] > '9' {
			return key
		}
	}
	return key[:i]
}

// AssignRoles sets the Role of every turn of t, and RoleInferred where the
// role was not written in the speaker's label. It is deterministic and
// looks only at t.
//
//  1. A speaker whose label names a role has that role (see LabelRole),
//     with the transcript's context for codes: a bare P is a professional
//     when an S speaks too; A, B and T name roles beside Q, I and C.
//  2. When no label names an interviewer, the speaker among those without
//     a role who talks most like an interviewer is the interviewer
//     (inferred), provided they talk more like one than every labelled
//     speaker: interviewers ask questions ("?", sentences opening with a
//     question word or "do you", "can you"...), address the other person
//     ("you", "your", but not the filler "you know"), say "I" less,
//     reflect back ("so you", "it sounds like", "you feel"...), and most
//     often speak first. A transcript with one speaker has no interviewer.
//  3. Every other speaker without a role is a participant (inferred): one
//     interviewer per transcript, the others answer, as in a focus group.
//  4. A turn without a speaker (an unattributed caption cue) in a
//     conversation of two speakers, between two turns of the same speaker,
//     is the other speaker's backchannel ("Mm-hmm.") and gets their role,
//     inferred; other turns without a speaker stay unknown.
//
// Roles are not part of ContentHash: assigning them does not change a
// transcript's version.
func AssignRoles(t *Transcript) { assignRoles(t, interviewerCues) }

// How people talk shows in their first thousands of words: the cues are
// read from at most roleSampleWords words of each speaker, and at most
// roleSampleBytes of one turn (a pasted transcript can be one turn of ten
// million words).
const (
	roleSampleWords = 50_000
	roleSampleBytes = 256 << 10
)

// sampleText is the start of a turn's text, cut at a space.
func sampleText(text string) string {
	if len(text) <= roleSampleBytes {
		return text
	}
	cut := strings.LastIndexByte(text[:roleSampleBytes], ' ')
	if cut <= 0 {
		cut = roleSampleBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
	}
	return text[:cut]
}

// assignRoles is AssignRoles with the cues to use (tests weigh each cue).
func assignRoles(t *Transcript, cues []roleCue) {
	var speakers []*speakerStats // in order of their first turn
	byKey := map[string]*speakerStats{}
	for i := range t.Turns {
		key := t.Turns[i].SpeakerKey
		if key == "" {
			key = SpeakerKey(t.Turns[i].Speaker)
		}
		if key == "" {
			continue
		}
		s := byKey[key]
		if s == nil {
			s = &speakerStats{key: key, opens: len(speakers) == 0, role: LabelRole(t.Turns[i].Speaker)}
			byKey[key] = s
			speakers = append(speakers, s)
		}
		if s.words < roleSampleWords {
			s.add(sampleText(t.TurnText(i)))
		}
	}
	contextCodes(byKey)

	interviewer := false
	for _, s := range speakers {
		interviewer = interviewer || s.role == RoleInterviewer
	}
	if !interviewer && len(speakers) > 1 {
		if s := mostLikeInterviewer(speakers, cues); s != nil {
			s.role, s.inferred = RoleInterviewer, true
		}
	}
	for _, s := range speakers {
		if s.role == RoleUnknown {
			s.role, s.inferred = RoleParticipant, true
		}
	}

	for i := range t.Turns {
		turn := &t.Turns[i]
		key := turn.SpeakerKey
		if key == "" {
			key = SpeakerKey(turn.Speaker)
		}
		if s := byKey[key]; s != nil {
			turn.Role, turn.RoleInferred = s.role, s.inferred
			continue
		}
		turn.Role, turn.RoleInferred = RoleUnknown, false
		if len(speakers) == 2 {
			prev, next := neighbourKey(t.Turns, i, -1), neighbourKey(t.Turns, i, 1)
			if prev != "" && prev == next {
				other := speakers[0]
				if other.key == prev {
					other = speakers[1]
				}
				turn.Role, turn.RoleInferred = other.role, true
			}
		}
	}
}

// contextCodes reads the codes whose meaning depends on the other labels of
// the transcript (see pairCodes, and P beside S).
func contextCodes(byKey map[string]*speakerStats) {
	codes := map[string]bool{}
	for key := range byKey {
		codes[codeOf(key)] = true
	}
	for key, s := range byKey {
		code := codeOf(key)
		if pc, ok := pairCodes[code]; ok && key == code && codes[pc.partner] {
			s.role = pc.role
		}
		// Dyadic interviews: service user S, professional P.
		if key == "p" && codes["s"] {
			s.role = RoleProfessional
		}
	}
}

// neighbourKey is the speaker key of the nearest turn before (dir -1) or
// after (dir 1) turn i that has a speaker, or "".
func neighbourKey(turns []Turn, i, dir int) string {
	for j := i + dir; j >= 0 && j < len(turns); j += dir {
		if k := turns[j].SpeakerKey; k != "" {
			return k
		}
		if k := SpeakerKey(turns[j].Speaker); k != "" {
			return k
		}
	}
	return ""
}

// speakerStats counts, for one speaker, the cues of how they talk.
type speakerStats struct {
	key      string
	opens    bool // speaks first
	role     Role
	inferred bool

	turns, words, sentences int
	questions               int // sentences ending in "?"
	asks                    int // sentences opening with a question word or "do you"...
	you                     int // second person, "you know" aside
	self                    int // first person singular
	reflects                int // turns opening with a reflection
}

// mostLikeInterviewer returns the speaker without a role who talks most
// like an interviewer, or nil when a speaker with a role talks more like
// one. Each cue is a rate (per sentence, word or turn, so that talking a
// lot does not count), shared out among the speakers; a speaker's score is
// the sum of their shares, "I" counting against.
func mostLikeInterviewer(speakers []*speakerStats, cues []roleCue) *speakerStats {
	score := make([]float64, len(speakers))
	for _, c := range cues {
		total := 0.0
		for _, s := range speakers {
			total += c.rate(s)
		}
		if total == 0 {
			continue
		}
		for i, s := range speakers {
			score[i] += c.weight * c.rate(s) / total
		}
	}

	best, bestLabelled := -1, -1
	for i, s := range speakers {
		if s.role == RoleUnknown {
			if best < 0 || score[i] > score[best] {
				best = i
			}
		} else if bestLabelled < 0 || score[i] > score[bestLabelled] {
			bestLabelled = i
		}
	}
	if best < 0 || bestLabelled >= 0 && score[bestLabelled] >= score[best] {
		return nil
	}
	return speakers[best]
}

// interviewerCues are the cues of mostLikeInterviewer. Rates have a small
// prior in their denominators so that a speaker who says one word does not
// get an extreme rate.
var interviewerCues = []roleCue{
	{"questions", func(s *speakerStats) float64 { return float64(s.questions+s.asks) / float64(s.sentences+2) }, 1},
	{"you", func(s *speakerStats) float64 { return float64(s.you) / float64(s.words+20) }, 1},
	{"I", func(s *speakerStats) float64 { return float64(s.self) / float64(s.words+20) }, -1},
	{"reflections", func(s *speakerStats) float64 { return float64(s.reflects) / float64(s.turns+2) }, 1},
	// The interviewer usually opens; a small weight, a tie-breaker.
	{"first", func(s *speakerStats) float64 {
		if s.opens {
			return 1
		}
		return 0
	}, 0.1},
}

// roleCue is one cue of an interviewer: a rate and its weight.
type roleCue struct {
	name   string
	rate   func(*speakerStats) float64
	weight float64
}

// questionWords open a question.
var questionWords = map[string]bool{
	"what": true, "what's": true, "how": true, "how's": true, "why": true, "when": true,
	"where": true, "who": true, "which": true, "whose": true,
}

// auxiliaries open a question when "you" or "your" follows ("do you",
// "would you", "have you"...).
var auxiliaries = map[string]bool{
	"do": true, "does": true, "did": true, "are": true, "were": true, "is": true, "was": true,
	"can": true, "could": true, "would": true, "will": true, "should": true,
	"have": true, "has": true, "had": true, "may": true, "might": true,
}

// reflections open a turn that gives back what the other person said, or
// asks for more: the habits of interviewing, not of any one method.
var reflections = [][]string{
	{"so", "you"}, {"so", "your"}, {"it", "sounds", "like"}, {"sounds", "like"}, {"it", "sounds", "as"},
	{"you", "feel"}, {"you're", "feeling"}, {"you", "felt"}, {"it", "seems"}, {"seems", "like"},
	{"you", "mentioned"}, {"you", "said"}, {"what", "i'm", "hearing"}, {"i", "hear"},
	{"tell", "me"}, {"can", "you", "tell"}, {"could", "you", "tell"}, {"say", "more"},
	{"i", "wonder"}, {"i'm", "wondering"}, {"you're", "saying"}, {"you've", "been"},
}

// fillers are skipped at the start of a turn before looking for a
// reflection ("Okay. So you...").
var fillers = map[string]bool{
	"ok": true, "okay": true, "yeah": true, "yes": true, "right": true, "alright": true,
	"um": true, "uh": true, "erm": true, "er": true, "hmm": true, "mm": true, "mm-hmm": true,
	"and": true, "well": true, "oh": true, "all": true, "sure": true, "now": true,
}

// add counts the cues of one turn's text.
func (s *speakerStats) add(text string) {
	s.turns++
	words := splitWords(text)
	s.words += len(words)
	opening := true // at a sentence start
	lead := 0       // words of the turn before the first non-filler
	for lead < len(words) && fillers[words[lead].w] {
		lead++
	}
	if matchesAny(words[lead:], reflections) {
		s.reflects++
	}
	for i, w := range words {
		if opening {
			s.sentences++
			if questionWords[w.w] || auxiliaries[w.w] && i+1 < len(words) && (words[i+1].w == "you" || words[i+1].w == "your") {
				s.asks++
			}
		}
		switch w.w {
		case "you", "your", "yours", "yourself", "you're", "you've", "you'd", "you'll":
			// "You know" and "thank you" are fillers, not address.
			if !(w.w == "you" && (i+1 < len(words) && words[i+1].w == "know" || i > 0 && words[i-1].w == "thank")) {
				s.you++
			}
		case "i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll":
			s.self++
		}
		opening = w.end != 0
		if w.end == '?' {
			s.questions++
		}
	}
}

// word is a lower-case word and the sentence-ending mark after it, if any.
type word struct {
	w   string
	end byte // '.', '?', '!' or 0
}

// splitWords splits text into lower-case words (letters, digits and inner
// apostrophes and hyphens), noting where sentences end.
func splitWords(text string) []word {
	var out []word
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if len(out) > 0 && (r == '?' || r == '.' || r == '!') && out[len(out)-1].end != '?' {
				out[len(out)-1].end = byte(r)
			}
			i += n
			continue
		}
		j := i + n
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			inner := r == '\'' || r == '’' || r == '-'
			if inner && j+n < len(text) {
				next, _ := utf8.DecodeRuneInString(text[j+n:])
				inner = unicode.IsLetter(next)
			}
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !inner {
				break
			}
			j += n
		}
		w := strings.ToLower(strings.ReplaceAll(text[i:j], "’", "'"))
		out = append(out, word{w: w})
		i = j
	}
	return out
}

// matchesAny reports whether words start with one of the phrases.
func matchesAny(words []word, phrases [][]string) bool {
	for _, p := range phrases {
		if len(words) < len(p) {
			continue
		}
		ok := true
		for i := range p {
			if words[i].w != p[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
