// Package index keeps a project's passages in Bleve and answers queries in
// Alongside's query language.
//
// # Layout: shards written by batches
//
// Bleve lets one process write an index at a time, and a read-only open
// waits for (or blocks) a writer. Analysts search and review while the
// nightly batch runs, in other processes, and a batch may be killed at any
// moment. So a batch never writes an index anyone reads:
//
//  1. It builds new shards under DIR/.alongside/index/.tmp-<name>, which
//     no reader opens: <batch>-001, then <batch>-002 once the first holds
//     DefaultShardDocs passages, and so on. A shard is built as Bleve's
//     offline builder builds an index: each batch of passages becomes a
//     segment file of its own, on every core at once, and every 16 of them
//     are merged into one while the next are built (build.go).
//  2. When a shard is full, or every passage is in, it merges the shard's
//     segment files into one, in a new index (the shell Merge uses), syncs
//     it and renames it to DIR/.alongside/index/<name>.
//  3. The store's final transaction registers the shards together with
//     the transcripts' new versions. Until then the shards do not exist for
//     anyone; a batch killed at any step leaves either nothing registered
//     or everything, and the next run sweeps up unregistered folders and
//     store rows (store.Sweep).
//
// The cap on a shard's size bounds the memory Bleve needs to index and
// merge it (one index of 2 million passages peaked at 763 MB), and lets
// every shard be merged into the single segment that phrase and proximity
// searches go through fastest.
//
// Readers open every registered shard read-only, with a bolt timeout, and
// search them together through one bleve.IndexAlias. Scores come from each
// shard's own term statistics. A passage ID (see corpus.PassageID) holds
// the transcript version, so it lives in exactly one shard. When a
// transcript changes, its old passages stay in their old shard and the
// store lists them as masked; every query excludes them until a merge
// drops them. Each shard excludes only the masked passages it holds (a
// shard holding none is searched as it is): a year of edits leaves
// thousands, and looking each up in every shard was most of what they
// cost a search.
//
// # Compaction: merging shards
//
// Every batch adds a shard, and many small shards cost a fan-out per
// search and per matching pass. Merge writes several shards into one with
// zap's own segment merger (the passages' text is not in the index, and
// re-analysing it would cost as much as indexing it), leaving out the
// masked passages; Policy chooses which shards, as Lucene's tiered merge
// policy does, so that the count stays logarithmic in the corpus (and, for
// a project grown by nightly batches, close to what one batch of the same
// passages would write) and no merged shard passes DefaultShardDocs. A merge is crash-safe like a
// batch: the new shard is written under .tmp-<name> and renamed when
// complete, the store registers it in place of the merged shards in one
// transaction, and only then are their folders renamed away (RetireShard)
// and deleted. A kill at any point leaves either the old shards registered
// or the new one, and RemoveUnregistered sweeps the rest on the next run.
// A reader that has the old shards open keeps searching them (Bleve loads
// a read-only shard's files when it opens it; deleted files stay readable
// until closed); one that read the old list but opens after the rename
// fails to open a retired shard, and stages.Project.OpenIndex reads the
// list again.
//
// # Mapping
//
// A passage (corpus.Passage: up to five sentences of one turn) is one
// document. Its sentences are a []string, so phrases never cross a
// sentence, and they are indexed twice: "text" with a stemmed analyzer and
// "text_exact" with an exact (lower-case only) one (and once more as word
// pairs, below). Neither drops stop
// words, because Bleve's phrase queries would then treat a dropped word as
// a wildcard ("part of the family" would match "part two big family").
// Curly and straight apostrophes are made the same by a token filter, not a
// char filter, which would shift offsets. Both fields keep term vectors,
// for phrases and for the match locations that proximity and highlighting
// use; the text itself is not stored, since the store has it. "transcript"
// and "speaker" (the speaker key) are keyword fields for filters; "seq" is
// the passage's position in its transcript. No field keeps doc values:
// nothing sorts or facets on them (sorting on them made Bleve read them for
// every hit), and hits of equal score are ordered by their passage IDs.
//
// # Query language
//
// Parse turns a query into a plain tree (Word, Prefix, Phrase, And, Or,
// Not, Field) whose String prints it back; Compile turns the tree into one
// Bleve query, the same for "alongside search" and for codebook rules.
// Stemmed words and phrases run on "text", exact forms and prefixes on
// "text_exact" (prefixes on stems would miss: "walkin*" matches no stem).
// Bleve has no proximity operator, so "a b"~N is a query type of our own
// (near.go): a conjunction of the words with their locations whose searcher
// passes on the passages where one sentence holds all the words within the
// window, with the locations inside it.
//
// A phrase of two or more stemmed words also runs through "text_pairs",
// which indexes each pair of adjacent common words as one term ("you
// know"): the phrase becomes a conjunction of its pairs, its other words
// and the phrase itself, so Bleve walks only the passages that hold the
// shortest of them and checks positions there. Without it a phrase of
// common words ("a little bit") walked every passage holding "little" and
// "bit". Only pairs of two common words are indexed (pairs.go: Bleve's
// English stop words and frequent conversational words, a fixed list
// stored in each shard's mapping under a versioned analyzer name): a
// phrase holding another word is driven by that word's short postings.
// Shards written when every pair was indexed hold a superset of these
// pairs and are searched the same way; shards written before "text_pairs"
// existed, and merges that include one, are searched without it.
//
// A search with a limit (Reader.Search) ranks every hit without its
// words' locations and then reads the locations of the hits it shows only,
// running the query again on those passages alone: at 30 million words,
// reading the locations of every match of a common word took a third of
// its search. The ranking is one pass: each shard keeps its best hits by
// score, then transcript and position, loading a passage's ID only when
// its score can place it (not under the last of any shard's full heap).
// Ranking by Bleve's score and then again among the hits tied across the
// limit walked every hit twice, and hits tie there for nine queries in
// ten. Without locations, a phrase of two common words is found by
// its one pair alone, its words read only for their scores (the pair is
// indexed exactly where the two stand next to each other); the positions
// check of longer and exact phrases and of "a b"~N keeps its scratch space
// from one passage to the next.
//
// That check reads the words' postings itself, straight from the shard's
// zap segments (postings.go: the documents, IDs and locations scorch's
// term readers give, without copying every location into a term vector),
// intersected once, and scores a passage only when its positions pass,
// with Bleve's own term scorers summed as Bleve's conjunction sums them
// (a test compares every score): Bleve's term searchers made and scored a
// match, and copied its locations, for every passage holding the words.
//
// A batch makes each passage's document with the mapping but analyses each
// sentence once for the three text fields (Documents): the mapping's
// analyzers would tokenize it three times and stem it twice, which cost
// more than the pairs themselves.
package index
