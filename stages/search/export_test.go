package search

// SetSpillAbove sets how many hits All holds in memory before it resolves
// them through a file, so that tests can make it spill small results.
func SetSpillAbove(s *Searcher, n int) { s.spillAbove = n }
