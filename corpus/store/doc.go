// Package store keeps a project's state in one SQLite database
// (modernc.org/sqlite, pure Go) under DIR/.alongside/: the transcripts and
// their versions, the passages and which index shard holds them, the files
// seen and why any were skipped, and the batches.
//
// The database runs in WAL mode with a busy timeout, so readers in other
// processes (search, status, the review page) keep working while a batch
// writes; a batch keeps its write transactions short.
//
// A batch is atomic through one rule: nothing it wrote is visible until its
// final transaction (Store.Commit) points the transcripts at their new
// versions, registers the batch's index shards and marks the batch done.
// Rows it wrote before that carry the batch's name ("b000042"), and only the
// rows of done batches count; Store.Sweep deletes the rows of batches still
// marked running, which is what a batch killed half-way leaves behind.
//
// A compaction is atomic the same way: Store.ReplaceShards registers the
// merged shard, retires the shards merged into it and takes the versions
// whose passages it dropped out of the index, in one transaction; readers
// take the shard list and the masked passages together (Store.IndexView).
//
// Two tables are kept by triggers rather than written by hand: the masked
// versions (masked.go) and a copy of the speakers as searches read them
// (keptspeakers.go). A trigger drops or works out again its table in the
// statement that changes what the table depends on, so neither can go
// stale whichever code path writes. A version's text and turns are kept
// in blocks of whole turns (blocks.go), which go with their version by a
// trigger too: a search shows a hit from the blocks around it
// (Store.Excerpts), everything else reads versions whole.
package store
