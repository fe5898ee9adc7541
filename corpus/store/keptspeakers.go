package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// keptSpeakersSchema keeps the speakers as Speakers returns them, in one
// row. A search that filters on who speaks (role:participant) needs every
// speaker of the project, and reading them row by row, joined on the
// current transcripts and with the sheet applied, took 10 ms of such a
// search at 30M words (4,594 speakers); decoding the copy takes well under
// one.
//
// Triggers delete the copy in the same statement as anything that could
// change it: the speakers, the participants sheet, or which version of a
// transcript is current and whether it is removed. So a copy is never
// stale, only missing; then Speakers reads the rows as before. The
// writers that change those tables put it back before they commit: a
// batch's commit, the sheet's import, this migration.
var keptSpeakersSchema = `
CREATE TABLE kept_speakers (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	rows BLOB NOT NULL -- encodeSpeakers
);
` + dropKeptSpeakers("kept_speakers_insert", "AFTER INSERT ON speakers") +
	dropKeptSpeakers("kept_speakers_update", "AFTER UPDATE ON speakers") +
	dropKeptSpeakers("kept_speakers_delete", "AFTER DELETE ON speakers") +
	dropKeptSpeakers("kept_speakers_sheet_insert", "AFTER INSERT ON participants") +
	dropKeptSpeakers("kept_speakers_sheet_update", "AFTER UPDATE ON participants") +
	dropKeptSpeakers("kept_speakers_sheet_delete", "AFTER DELETE ON participants") +
	dropKeptSpeakers("kept_speakers_transcript_insert", "AFTER INSERT ON transcripts") +
	dropKeptSpeakers("kept_speakers_transcript_update", "AFTER UPDATE OF id, version, removed ON transcripts") +
	dropKeptSpeakers("kept_speakers_transcript_delete", "AFTER DELETE ON transcripts")

func dropKeptSpeakers(name, when string) string {
	return `CREATE TRIGGER ` + name + ` ` + when + ` BEGIN DELETE FROM kept_speakers; END;
`
}

// keepSpeakers reads the speakers in tx and keeps the copy Speakers reads,
// unless a copy is there: then nothing it depends on has changed since
// (a run with nothing new, a sheet imported again).
func keepSpeakers(ctx context.Context, tx interface {
	rowsQueryer
	execer
	queryer
}) error {
	var kept int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM kept_speakers`).Scan(&kept); err != nil {
		return fmt.Errorf("keeping the speakers: %w", err)
	}
	if kept > 0 {
		return nil
	}
	rows, err := speakers(ctx, tx, "")
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO kept_speakers (id, rows) VALUES (1, ?)`, encodeSpeakers(rows)); err != nil {
		return fmt.Errorf("keeping the speakers: %w", err)
	}
	return nil
}

const keptSpeakersFormat = 1

// encodeSpeakers writes rows as a format byte, a count, and each row's
// fields in order: strings with their length before them, numbers as
// varints, the two flags in a byte.
func encodeSpeakers(rows []SpeakerRow) []byte {
	b := []byte{keptSpeakersFormat}
	b = binary.AppendUvarint(b, uint64(len(rows)))
	for _, r := range rows {
		b = appendString(b, r.Transcript)
		b = appendString(b, r.Label)
		b = appendString(b, r.Key)
		b = binary.AppendUvarint(b, uint64(r.Turns))
		b = binary.AppendUvarint(b, uint64(r.Words))
		b = appendString(b, r.Role)
		var flags byte
		if r.Inferred {
			flags |= 1
		}
		if r.FromSheet {
			flags |= 2
		}
		b = append(b, flags)
		b = appendString(b, r.Participant)
		b = binary.AppendUvarint(b, uint64(len(r.Attributes)))
		for k, v := range r.Attributes {
			b = appendString(b, k)
			b = appendString(b, v)
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errKeptSpeakers = errors.New("corrupt kept speakers")

// decodeSpeakers reads what encodeSpeakers wrote. Its strings are pieces
// of one copy of b: one allocation for all of them.
func decodeSpeakers(b []byte) ([]SpeakerRow, error) {
	if len(b) == 0 || b[0] != keptSpeakersFormat {
		return nil, errKeptSpeakers
	}
	d := speakersDecoder{b: b, s: string(b), at: 1}
	n := d.uvarint()
	if n > uint64(len(b)) {
		return nil, errKeptSpeakers
	}
	rows := make([]SpeakerRow, n)
	for i := range rows {
		r := &rows[i]
		r.Transcript, r.Label, r.Key = d.string(), d.string(), d.string()
		r.Turns, r.Words = int(d.uvarint()), int(d.uvarint())
		r.Role = d.string()
		flags := d.uvarint()
		r.Inferred, r.FromSheet = flags&1 != 0, flags&2 != 0
		r.Participant = d.string()
		if na := d.uvarint(); na > 0 {
			if na > uint64(len(b)) {
				return nil, errKeptSpeakers
			}
			r.Attributes = make(map[string]string, na)
			for range na {
				k := d.string()
				r.Attributes[k] = d.string()
			}
		}
		if d.bad {
			return nil, errKeptSpeakers
		}
	}
	if d.bad || d.at != len(b) {
		return nil, errKeptSpeakers
	}
	return rows, nil
}

// speakersDecoder reads b from at on; s is b as one string, which the
// strings read are pieces of.
type speakersDecoder struct {
	b   []byte
	s   string
	at  int
	bad bool
}

func (d *speakersDecoder) uvarint() uint64 {
	if d.bad {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.at:])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.at += n
	return v
}

func (d *speakersDecoder) string() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)-d.at) {
		d.bad = true
		return ""
	}
	s := d.s[d.at : d.at+int(n)]
	d.at += int(n)
	return s
}
