// Package corpus is the domain model of Alongside and the readers that
// build it from transcript files.
//
// # The model
//
// A Transcript is one interview or focus-group session. It has a stable ID
// (the path relative to the transcript folder without its extension, or
// "<table path>/<group key>" for a transcript read from an utterance
// table), a title, the source path, the SHA-256 of the source bytes,
// metadata, and a canonical text:
//
//   - UTF-8 (whatever the file's encoding), byte-order mark removed, CRLF and
//     CR turned into LF, Unicode NFC.
//   - For text formats (.txt, .md) and documents (DOCX, ODT, RTF, PDF), the
//     canonical text is the document's own text after that normalisation
//     (for documents, one line per paragraph; for PDF, its lines joined into
//     paragraphs), so offsets point into what the analyst typed.
//   - For structured formats (WebVTT, SRT, SBV, CSV/TSV tables, NVivo's
//     tab-separated .txt rows, speech-recognition JSON, ELAN, CHAT) there is no
//     running text to keep, so the reader renders one: a paragraph
//     "Speaker: text" per turn, paragraphs separated by a blank line.
//
// A transcript's Turns are uninterrupted stretches of speech by one speaker,
// in order. A Turn carries the speaker as written, a normalised speaker key
// (lower case, runs of other characters turned into "-": "Dr. Patel" is
// "dr-patel"), optional start and end times, and its Span. Speaker labels,
// time stamps and markers such as f4's "#00:01:38-1#" are never inside a
// turn's span. Each turn's Sentences carry their spans too, and always lie
// inside the turn.
//
// Each turn also has a Role: interviewer, participant, family or
// professional, read from the label ("Moderator", "P3", "Mother", "I"/"B")
// by LabelRole, or, when the labels are names or machine labels ("Jordan
// Reyes", "Speaker 1", "SPEAKER_00"), inferred by AssignRoles from how
// people talk (RoleInferred). Parse assigns roles to every transcript it
// reads. Roles are not part of ContentHash.
//
// A Span is a pair of 0-based, end-exclusive Unicode code point offsets
// into the canonical text, the unit REFI-QDA exports use. Cut(text, span)
// returns the spanned text.
//
// # Reading
//
// ReadFile checks a file (size limit, empty, binary, invalid text with the
// byte offset), decodes it and hands it to the reader for its extension:
// ParseText for .txt and .md, ParseCaptions for .vtt and .srt, ParseSBV for
// YouTube's .sbv, ParseDOCX for .docx, ParseTable for .csv and .tsv (and
// for a .txt file that starts with NVivo's Timespan header); parseASRJSON
// reads .json from whisper, WhisperX, Amazon Transcribe, AssemblyAI,
// Deepgram and Rev AI (telling them apart by structure), parseEAF ELAN's
// .eaf and parseCHAT TalkBank's .cha. Documents (.docx, .odt, .rtf, and
// .pdf with a text layer) give their text one line per paragraph to the
// plain-text speaker logic; a PDF without text (a scan) is refused with
// ErrNoTextLayer. Every error names the file and, where
// it applies, the line; no reader panics on any input.
//
// Text files are read as UTF-8 (with or without a byte-order mark), as
// UTF-16 LE or BE after their byte-order mark, or as Windows-1252 when they
// are not UTF-8 and all of their bytes look like Windows-1252 text (see
// Decode). A transcript read from anything but UTF-8 says so in its
// Metadata under MetaEncoding ("encoding": "windows-1252").
//
// Sentences come from prose (github.com/jdkato/prose/v2); see Segmenter.
package corpus
