// Package stages holds the stages of the nightly batch and runs them with
// package pipeline:
//
//	discover  walk the transcript folders; new or changed files (by size and
//	          time, then by content hash) become jobs, in path order
//	read      parse each file with the corpus readers (-j workers); a bad file
//	          is recorded against it and the batch goes on
//	group     gather files into groups of about a megabyte
//	segment   split turns into sentences with prose, one prose document per
//	          group (-j workers); transcripts whose content is already
//	          current are passed over
//	ungroup   pass the files on one by one
//	index     cut each transcript into passages one at a time and add
//	          them to the batch's new index shard (a Bleve batch of
//	          Options.IndexBatch passages is the most held at once)
//	record    store each new transcript version and its passages (cut again,
//	          one at a time), then let the transcript go
//	match     after the commit: propose candidates from the codebook (see
//	          MatchCandidates); a transcript version's candidate spans are
//	          numbered in one walk over its text
//	compact   last, within a time budget: merge index shards as the merge
//	          policy says, dropping masked passages (see Compact; also
//	          "alongside compact")
//
// Nothing a batch writes is visible until its last step: the shard is
// finished and renamed, then one store transaction registers it and points
// the transcripts at their new versions (see package index and package
// store). A batch that fails or is cancelled deletes what it wrote; one that
// is killed leaves rows and folders that the next run sweeps away first.
//
// The analyst's side lives in sub-packages, in the order the work flows
// after a batch:
//
//	search     search the corpus; hits in context with their speakers
//	decisions  confirm, reject, re-code, span, note; importing a review sheet
//	export     the review sheet out (CSV, XLSX) and back in
//	qdpx       the REFI-QDA project for NVivo, ATLAS.ti and MAXQDA
//
// Project (this package) names a project's files; every sub-package opens
// the project through it.
package stages
