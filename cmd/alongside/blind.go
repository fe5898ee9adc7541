package main

import (
	"fmt"
	"strings"

	"github.com/alongside-qda/alongside/corpus/store"
)

// Blind double coding: --blind on candidates, export and review shows one
// reviewer's own decisions only (store.CandidateFilter.Reviewer), and
// --consensus records a decision as the consensus of the coders
// (store.ConsensusReviewer).

// blindFlags adds --blind and --reviewer.
func blindFlags(fs *flagSet) (blind *bool, reviewer *string) {
	blind = fs.Bool("blind", false, "blind double coding: statuses from your own decisions only, none of the other reviewers'")
	reviewer = fs.reviewer()
	return blind, reviewer
}

// blindReviewer returns the reviewer a blind view is for ("" when not
// blind): --reviewer, else reviewer: in alongside.yaml.
func blindReviewer(project string, blind bool, reviewer string) (string, error) {
	if !blind {
		return "", nil
	}
	if reviewer == "" {
		cfg, err := loadConfig(project)
		if err != nil {
			return "", err
		}
		reviewer = cfg.Reviewer
	}
	if strings.TrimSpace(reviewer) == "" {
		return "", usageError{msg: "--blind: whose decisions? give --reviewer NAME or set reviewer: in alongside.yaml"}
	}
	return reviewer, nil
}

// consensusFlag adds --consensus to the verdicts: confirm, reject, recode.
func consensusFlag(fs *flagSet, action string) *bool {
	switch action {
	case store.ActionConfirm, store.ActionReject, store.ActionRecode:
		return fs.Bool("consensus", false, fmt.Sprintf("record the coders' agreed decision, under the reviewer name %q (both coders' own decisions stay)", store.ConsensusReviewer))
	}
	return new(bool)
}
