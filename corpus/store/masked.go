package store

// maskedSchema keeps the transcript versions that are not their
// transcript's current version: an edited transcript's old versions, a
// pruned transcript's every version. Their passages stay masked in the
// index until a merge drops them. A search reads the masked passages
// first thing; working them out from every version (a look-up of each in
// the transcripts) took 3 to 6 ms of every search at 30M words, where the
// versions masked are a few dozen.
//
// Triggers keep the table, whatever statement changes the transcripts or
// the versions: each works out its transcripts' rows again. (INSERT OR
// REPLACE, as recordVersion and the batch's commit write, deletes the row
// it replaces without firing delete triggers; working a transcript out
// again from its versions covers that too.)
var maskedSchema = `
CREATE TABLE masked_versions (
	transcript_id TEXT NOT NULL,
	version       TEXT NOT NULL,
	PRIMARY KEY (transcript_id, version)
) WITHOUT ROWID;
` + maskedTrigger("masked_transcript_insert", "AFTER INSERT ON transcripts", "NEW.id") +
	maskedTrigger("masked_transcript_update", "AFTER UPDATE OF id, version ON transcripts", "OLD.id, NEW.id") +
	maskedTrigger("masked_transcript_delete", "AFTER DELETE ON transcripts", "OLD.id") +
	maskedTrigger("masked_version_insert", "AFTER INSERT ON versions", "NEW.transcript_id") +
	maskedTrigger("masked_version_update", "AFTER UPDATE OF transcript_id, version ON versions", "OLD.transcript_id, NEW.transcript_id") +
	maskedTrigger("masked_version_delete", "AFTER DELETE ON versions", "OLD.transcript_id") + `
INSERT INTO masked_versions SELECT v.transcript_id, v.version FROM versions v
	WHERE NOT EXISTS (SELECT 1 FROM transcripts t WHERE t.id = v.transcript_id AND t.version = v.version);
`

// maskedTrigger is a trigger that works out again the masked versions of
// the transcripts named (SQL expressions of the changed row).
func maskedTrigger(name, when, transcripts string) string {
	return `CREATE TRIGGER ` + name + ` ` + when + ` BEGIN
	DELETE FROM masked_versions WHERE transcript_id IN (` + transcripts + `);
	INSERT INTO masked_versions SELECT v.transcript_id, v.version FROM versions v
		WHERE v.transcript_id IN (` + transcripts + `)
		AND NOT EXISTS (SELECT 1 FROM transcripts t WHERE t.id = v.transcript_id AND t.version = v.version);
END;
`
}

// maskedQuery lists the masked passages: those of the masked versions
// indexed by a batch that is done. CROSS JOIN keeps SQLite's loops in
// this order, from the few masked versions out: it chose to walk every
// version of every done batch instead, which read half again as many
// pages in every search's fresh process (1.7 against 1.0 ms warm, a year
// of nightly batches at 30M words).
const maskedQuery = `SELECT p.id FROM masked_versions m
		CROSS JOIN versions v ON v.transcript_id = m.transcript_id AND v.version = m.version
		CROSS JOIN passages p ON p.transcript_id = m.transcript_id AND p.version = m.version
		WHERE v.shard IN (SELECT shard FROM batches WHERE status = 'done')
		ORDER BY p.id`

// maskedVersionsQuery lists the masked versions whose passages maskedQuery
// lists: those indexed by a batch that is done. The + keeps SQLite on the
// versions' key: it chose to look each masked version up under every done
// batch's name instead (366 of them after a year), 4 ms in a fresh process.
const maskedVersionsQuery = `SELECT m.transcript_id, m.version FROM masked_versions m
		CROSS JOIN versions v ON v.transcript_id = m.transcript_id AND v.version = m.version
		WHERE +v.shard IN (SELECT shard FROM batches WHERE status = 'done')`
