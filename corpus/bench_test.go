package corpus

import (
	"testing"
)

// BenchmarkSegment measures sentence segmentation (prose plus alignment
// and the transcript fixes) over the AnnoMI conversations, in words/s.
func BenchmarkSegment(b *testing.B) {
	ts := loadAnnoMIOnce(b)
	words := 0
	for _, t := range ts {
		for i := range t.Turns {
			words += Words(t.TurnText(i))
		}
	}
	var seg Segmenter
	b.ResetTimer()
	for range b.N {
		for _, t := range ts {
			if err := seg.Segment(t); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(words*b.N)/b.Elapsed().Seconds(), "words/s")
}

// BenchmarkPassages measures cutting segmented transcripts into passages.
func BenchmarkPassages(b *testing.B) {
	ts := loadAnnoMIOnce(b)
	var seg Segmenter
	words := 0
	for _, t := range ts {
		if err := seg.Segment(t); err != nil {
			b.Fatal(err)
		}
		for i := range t.Turns {
			words += Words(t.TurnText(i))
		}
	}
	b.ResetTimer()
	for range b.N {
		for _, t := range ts {
			Passages(t)
		}
	}
	b.ReportMetric(float64(words*b.N)/b.Elapsed().Seconds(), "words/s")
}
