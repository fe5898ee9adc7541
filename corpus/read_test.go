package corpus

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngBytes is the start of a real PNG file: signature, IHDR chunk.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

// TestParseBadInputs checks the problems Parse finds before any reader
// runs: each is a *FileError naming the file, with the line where one
// applies.
func TestParseBadInputs(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		opts Options
		is   error // sentinel, if any
		line int
		want string
	}{
		{name: "png", file: "scan.txt", data: string(pngBytes), is: ErrBinary,
			want: `reading transcript "scan.txt": binary file, not a transcript`},
		{name: "png named vtt", file: "scan.vtt", data: string(pngBytes), is: ErrBinary,
			want: `reading transcript "scan.vtt": binary file, not a transcript`},
		{name: "control bytes without NUL", file: "x.srt", data: strings.Repeat("ab\x01\x02", 50), is: ErrBinary,
			want: `reading transcript "x.srt": binary file, not a transcript`},
		{name: "invalid UTF-8", file: "x.txt", data: "Interviewer: h\xc3\xa9llo\nP1: caf\xe9 au lait\n", line: 2,
			want: `reading transcript "x.txt": line 2: invalid UTF-8 at byte offset 27, nor Windows-1252 text (1 valid UTF-8 sequences and 1 invalid bytes: damaged UTF-8)`},
		{name: "undefined in Windows-1252", file: "x.txt", data: "P1: caf\xe9 \x81\n", line: 1,
			want: `reading transcript "x.txt": line 1: invalid UTF-8 at byte offset 7, nor Windows-1252 text (byte 0x81 at offset 9 is not a Windows-1252 character)`},
		{name: "Windows-1250 is not 1252", file: "x.txt", data: "P1: ma\xb3y dom\n", line: 1,
			want: `reading transcript "x.txt": line 1: invalid UTF-8 at byte offset 6, nor Windows-1252 text ('³' inside a word at offset 6)`},
		{name: "Windows-1251 is not 1252", file: "x.txt", data: "P1: \xcf\xf0\xe8\xe2\xe5\xf2 ok\n", line: 1,
			want: `reading transcript "x.txt": line 1: invalid UTF-8 at byte offset 4, nor Windows-1252 text (6 of 9 letters accented: another code page)`},
		{name: "UTF-16 odd length", file: "x.txt", data: "\xff\xfeA\x00\n\x00B", line: 2,
			want: `reading transcript "x.txt": line 2: invalid UTF-16 at byte offset 6: odd number of bytes`},
		{name: "UTF-16 unpaired surrogate", file: "x.txt", data: "\xfe\xff\x00A\xd8\x00\x00B", line: 1,
			want: `reading transcript "x.txt": line 1: invalid UTF-16 at byte offset 4: unpaired surrogate`},
		{name: "UTF-16 only white space", file: "x.txt", data: "\xff\xfe \x00\n\x00", is: ErrEmpty,
			want: `reading transcript "x.txt": empty file`},
		{name: "invalid UTF-8 after a BOM", file: "x.vtt", data: "\ufeffWEBVTT\n\n\xff", line: 3,
			want: `reading transcript "x.vtt": line 3: invalid UTF-8 at byte offset 11`},
		{name: "truncated UTF-8 at the end", file: "x.csv", data: "a,b\n\xc3", line: 2,
			want: `reading transcript "x.csv": line 2: invalid UTF-8 at byte offset 4, nor Windows-1252 text ('Ã' alone at offset 4)`},
		{name: "empty", file: "x.vtt", data: "", is: ErrEmpty,
			want: `reading transcript "x.vtt": empty file`},
		{name: "only white space", file: "x.txt", data: " \n\t\r\n", is: ErrEmpty,
			want: `reading transcript "x.txt": empty file`},
		{name: "only a BOM", file: "x.srt", data: "\ufeff\r\n", is: ErrEmpty,
			want: `reading transcript "x.srt": empty file`},
		{name: "over the size limit", file: "x.txt", data: strings.Repeat("a", 20), opts: Options{MaxSize: 10}, is: ErrTooBig,
			want: `reading transcript "x.txt": file too large: 20 bytes, the limit is 10`},
		{name: "unsupported extension", file: "notes.pages", data: "PK\x03\x04",
			want: `reading transcript "notes.pages": unsupported file type ".pages" (supported: ` + strings.Join(Extensions, ", ") + `)`},
		{name: "no extension", file: "README", data: "hello\n",
			want: `reading transcript "README": unsupported file type "" (supported: ` + strings.Join(Extensions, ", ") + `)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := Parse(tt.file, IDFromPath(tt.file), []byte(tt.data), tt.opts)
			checkFileError(t, ts, err, tt.is, tt.line, tt.want)
		})
	}
}

// TestReadFileBadInputs checks the same problems through ReadFile, which
// also stats and reads the file.
func TestReadFileBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return file
	}
	png := write("photo.txt", string(pngBytes))
	const bigData = "WEBVTT\n\n00:01.000 --> 00:02.000\nHello.\n" // 39 bytes
	big := write("big.vtt", bigData)
	bad := write("bad.srt", "1\n00:00:01,000 --> 00:00:02,000\nna\xefve \xff\n")
	empty := write("empty.txt", "")
	missing := filepath.Join(dir, "missing.txt")

	tests := []struct {
		name string
		file string
		opts Options
		is   error
		line int
		want string
	}{
		{name: "png", file: png, is: ErrBinary, want: fmt.Sprintf("reading transcript %q: binary file, not a transcript", png)},
		{name: "over the size limit", file: big, opts: Options{MaxSize: 16}, is: ErrTooBig,
			want: fmt.Sprintf("reading transcript %q: file too large: %d bytes, the limit is 16", big, len(bigData))},
		{name: "invalid UTF-8", file: bad, line: 3, want: fmt.Sprintf("reading transcript %q: line 3: invalid UTF-8 at byte offset 34, nor Windows-1252 text ('ÿ' alone at offset 38)", bad)},
		{name: "empty", file: empty, is: ErrEmpty, want: fmt.Sprintf("reading transcript %q: empty file", empty)},
		{name: "missing", file: missing, is: fs.ErrNotExist, want: fmt.Sprintf("reading transcript %q: stat %s: no such file or directory", missing, missing)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := ReadFile(tt.file, filepath.Base(tt.file), tt.opts)
			checkFileError(t, ts, err, tt.is, tt.line, tt.want)
		})
	}

	// Within the limit, the same file reads.
	if _, err := ReadFile(big, "big.vtt", Options{MaxSize: int64(len(bigData))}); err != nil {
		t.Errorf("at the size limit: %v", err)
	}
}

// checkFileError checks that err is a *FileError with the given sentinel
// (when is is not nil), line and message, and that no transcript came back.
func checkFileError(t *testing.T, ts []*Transcript, err error, is error, line int, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, %d transcripts; want %q", len(ts), want)
	}
	if ts != nil {
		t.Errorf("%d transcripts with the error", len(ts))
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FileError", err, err)
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("error %v is not %v", err, is)
	}
	if fe.Line != line {
		t.Errorf("line %d, want %d", fe.Line, line)
	}
	if err.Error() != want {
		t.Errorf("error\n got  %s\n want %s", err, want)
	}
}
