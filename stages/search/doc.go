// Package search answers the analyst's searches over a project: it parses
// a query (the language of package index, plus --speaker and --transcript
// filters), runs it over every registered shard, and resolves each hit to
// its passage in the stored transcript version: text, speaker, time, the
// matched words in code points of the canonical text, and the sentences
// around it with every other speaker named (corpus.Transcript.Context).
//
//	query -> BuildQuery -> index.Reader (all shards, masked passages left out)
//	      -> hits -> Resolve (store: passage rows, transcript versions) -> Hit
package search
