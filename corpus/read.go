package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// DefaultMaxSize is the default limit on the size of one transcript file.
const DefaultMaxSize = 50 << 20

// Options control reading.
type Options struct {
	// MaxSize is the largest file read, in bytes; 0 means DefaultMaxSize.
	MaxSize int64
	// Table configures CSV and TSV utterance tables; the zero value guesses
	// the columns from the header.
	Table TableOptions
}

// FileError is a problem with one transcript file: the batch records it
// against the file and goes on.
type FileError struct {
	File string // path as given to the reader
	Line int    // 1-based line, or 0 when no line applies
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("reading transcript %q: line %d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("reading transcript %q: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Errors a reader reports about a whole file.
var (
	ErrEmpty   = errors.New("empty file")
	ErrBinary  = errors.New("binary file, not a transcript")
	ErrTooBig  = errors.New("file too large")
	ErrNoTurns = errors.New("no speech found")
)

// Extensions lists the file extensions the readers accept, with the dot.
var Extensions = []string{".txt", ".md", ".vtt", ".srt", ".sbv", ".docx", ".csv", ".tsv", ".odt", ".rtf", ".pdf",
	".json", // speech-recognition output: whisper, WhisperX, Amazon Transcribe, AssemblyAI, Deepgram, Rev AI
	".eaf",  // ELAN
	".cha",  // CHAT (TalkBank, CLAN)
}

// Supported reports whether a file name has an extension a reader accepts.
func Supported(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range Extensions {
		if ext == e {
			return true
		}
	}
	return false
}

// IDFromPath derives a transcript ID from a path relative to the transcript
// folder: slash-separated, without the extension ("site-a/fg-03.docx" is
// "site-a/fg-03").
func IDFromPath(rel string) string {
	rel = filepath.ToSlash(rel)
	return strings.TrimSuffix(rel, path.Ext(rel))
}

// ReadFile reads one transcript file. rel is its path relative to the
// transcript folder, from which the ID comes. A CSV or TSV table gives one
// transcript per group; every other format gives one. Problems with the
// file come back as a *FileError.
func ReadFile(file, rel string, opts Options) ([]*Transcript, error) {
	return ReadFileAs(file, IDFromPath(rel), opts)
}

// ReadFileAs is ReadFile with the transcript ID (or a table's ID prefix)
// given, for a file whose ID is not IDFromPath's (two files that differ
// only in extension).
func ReadFileAs(file, id string, opts Options) ([]*Transcript, error) {
	f, err := Load(file, opts)
	if err != nil {
		return nil, err
	}
	return f.Parse(id, opts)
}

// File is a transcript file's bytes and their SHA-256, read once: the
// batch compares the hash with the one it stored before it parses.
type File struct {
	Name string
	Data []byte
	Hash string // hex SHA-256 of Data
}

// Load reads a transcript file whole (within the size limit) and hashes it.
func Load(file string, opts Options) (*File, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, &FileError{File: file, Err: err}
	}
	if max := opts.maxSize(); info.Size() > max {
		return nil, &FileError{File: file, Err: fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooBig, info.Size(), max)}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &FileError{File: file, Err: err}
	}
	sum := sha256.Sum256(data)
	return &File{Name: file, Data: data, Hash: hex.EncodeToString(sum[:])}, nil
}

// Parse reads the file's transcripts (see the function Parse).
func (f *File) Parse(id string, opts Options) ([]*Transcript, error) {
	return parse(f.Name, id, f.Data, f.Hash, opts)
}

// maxSize is the size limit opts set.
func (opts Options) maxSize() int64 {
	if opts.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return opts.MaxSize
}

// Parse reads transcripts from the bytes of a file named name (whose
// extension picks the reader); id is the transcript ID, or the prefix of the
// IDs for a table.
func Parse(name, id string, data []byte, opts Options) ([]*Transcript, error) {
	sum := sha256.Sum256(data)
	return parse(name, id, data, hex.EncodeToString(sum[:]), opts)
}

// parse is Parse with the bytes' hash known.
func parse(name, id string, data []byte, hash string, opts Options) ([]*Transcript, error) {
	ext := strings.ToLower(filepath.Ext(name))
	fail := func(err error) ([]*Transcript, error) {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.File = name
			return nil, fe
		}
		return nil, &FileError{File: name, Err: err}
	}
	// Parse may be given bytes ReadFile did not check.
	if max := opts.maxSize(); int64(len(data)) > max {
		return fail(fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooBig, len(data), max))
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, bom))) == 0 {
		return fail(ErrEmpty)
	}
	src := source{name: name, id: id, ext: strings.TrimPrefix(ext, "."), raw: data, hash: hash}
	var (
		ts  []*Transcript
		err error
	)
	switch ext {
	case ".docx":
		ts, err = parseDOCX(src)
	case ".json":
		ts, err = parseASRJSON(src)
	case ".eaf":
		ts, err = parseEAF(src)
	case ".cha":
		ts, err = parseCHAT(src)
	case ".odt":
		ts, err = parseODT(src)
	case ".rtf":
		ts, err = parseRTF(src)
	case ".pdf":
		ts, err = parsePDF(src)
	case ".txt", ".md", ".vtt", ".srt", ".sbv", ".csv", ".tsv":
		if src.text, src.encoding, err = Decode(data); err != nil {
			return fail(err)
		}
		if strings.TrimSpace(src.text) == "" { // UTF-16 white space
			return fail(ErrEmpty)
		}
		switch ext {
		case ".txt", ".md":
			ts, err = parseText(src)
		case ".vtt", ".srt":
			ts, err = parseCaptions(src)
		case ".sbv":
			ts, err = parseSBV(src)
		default:
			ts, err = parseTable(src, opts.Table)
		}
	default:
		return fail(fmt.Errorf("unsupported file type %q (supported: %s)", ext, strings.Join(Extensions, ", ")))
	}
	if err != nil {
		return fail(err)
	}
	for _, t := range ts {
		AssignRoles(t)
	}
	if src.encoding != "" && src.encoding != EncodingUTF8 {
		for _, t := range ts {
			if t.Metadata == nil {
				t.Metadata = map[string]string{}
			}
			t.Metadata[MetaEncoding] = src.encoding
		}
	}
	return ts, nil
}

// bom is the UTF-8 byte-order mark.
var bom = []byte("\ufeff")

// source is one file handed to a reader.
type source struct {
	name string // path, for messages
	id   string // transcript ID, or ID prefix for tables
	ext  string // lower-case extension without the dot
	raw  []byte // the file's bytes
	hash string // hex SHA-256 of raw
	text string // canonical text (not set for DOCX)
	// encoding is what a text file was read as (see Decode).
	encoding string
}

// paraLines reports whether the source is a document whose text a reader
// wrote one line per paragraph (see parseLabelled).
func (s source) paraLines() bool {
	switch s.ext {
	case "docx", "odt", "rtf", "pdf":
		return true
	}
	return false
}

// rawTurn is a turn as a reader finds it: spans in bytes of the canonical
// text, converted to code points by build.
type rawTurn struct {
	speaker    string
	start, end time.Duration
	b0, b1     int
	line       int // line where the turn starts, for messages
}

// build makes a transcript from a reader's raw turns: it trims each turn's
// span to its text, drops empty turns, checks that spans are in order and
// in range, and converts byte offsets into code points.
func build(src source, id, title, text string, raw []rawTurn, meta map[string]string) (*Transcript, error) {
	// The title is often a piece of the text: a copy, so that keeping the
	// title (a batch keeps it for every transcript until its commit) does
	// not keep the whole text (200 MB of texts at 30 M words).
	t := &Transcript{ID: id, Title: strings.Clone(title), Source: src.name, Hash: src.hash, Format: src.ext, Metadata: meta, Text: text}
	conv := offsets{text: text}
	prev := 0
	for _, r := range raw {
		if r.b0 < prev || r.b1 < r.b0 || r.b1 > len(text) {
			return nil, &FileError{Line: r.line, Err: fmt.Errorf("internal: turn span %d-%d out of order", r.b0, r.b1)}
		}
		seg := text[r.b0:r.b1]
		lead := len(seg) - len(strings.TrimLeft(seg, " \t\n\f"))
		trail := len(seg) - len(strings.TrimRight(seg, " \t\n\f"))
		b0, b1 := r.b0+lead, r.b1-trail
		if b0 >= b1 {
			continue
		}
		prev = b1
		speaker := strings.TrimSpace(r.speaker)
		t.Turns = append(t.Turns, Turn{
			Speaker: speaker, SpeakerKey: SpeakerKey(speaker),
			Start: r.start, End: r.end,
			Span: Span{Start: conv.runeOffset(b0), End: conv.runeOffset(b1)},
		})
	}
	if len(t.Turns) == 0 {
		return nil, ErrNoTurns
	}
	return t, nil
}

// parseParagraphs reads a transcript from a document's text, one line per
// paragraph.
func parseParagraphs(src source, raw string) ([]*Transcript, error) {
	text, err := Canonical([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("document text: %w", err)
	}
	src.text = text
	t, err := parseLabelled(src, text)
	if err != nil {
		return nil, err
	}
	return []*Transcript{t}, nil
}

// renderer writes the canonical text of a structured transcript (captions,
// tables): one "Speaker: text" paragraph per turn, a blank line between.
type renderer struct {
	b     strings.Builder
	turns []rawTurn
}

func (r *renderer) add(speaker, text string, start, end time.Duration, line int) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	if r.b.Len() > 0 {
		r.b.WriteString("\n\n")
	}
	if speaker != "" {
		r.b.WriteString(speaker)
		r.b.WriteString(": ")
	}
	b0 := r.b.Len()
	r.b.WriteString(text)
	r.turns = append(r.turns, rawTurn{speaker: speaker, start: start, end: end, b0: b0, b1: r.b.Len(), line: line})
}

// text returns the rendered canonical text, ending in a newline.
func (r *renderer) text() string {
	if r.b.Len() == 0 {
		return ""
	}
	return r.b.String() + "\n"
}
