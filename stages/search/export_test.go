package search

import "github.com/alongside-qda/alongside/stages"

// SetSpillAbove sets how many hits All holds in memory before it resolves
// them through a file, so that tests can make it spill small results.
func SetSpillAbove(s *Searcher, n int) { s.spillAbove = n }

// SetSpillFolder points where All writes its file at the state folder of
// a project in dir (which need not exist), and returns how to undo it.
func SetSpillFolder(s *Searcher, dir string) (undo func()) {
	was := s.project
	s.project = stages.Project{Dir: dir}
	return func() { s.project = was }
}

// SetExcerptHits sets the most hits s shows from excerpts of their
// versions rather than whole versions (0: always whole versions).
func SetExcerptHits(s *Searcher, n int) { s.excerptHits = n }
