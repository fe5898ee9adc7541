// Package coders supports blind double coding: several reviewers (coders)
// decide the same candidate meaning units without seeing each other's
// decisions, their agreement is measured, and their disagreements are
// discussed and settled by a consensus decision.
//
//	decision log (store.Verdicts) -> Load -> Study
//	Study.Report      -> agreement per code and overall (package agreement)
//	Study.Disagreements -> DisagreementTable -> sheet -> ImportConsensus -> log
//
// The unit is a candidate the matching proposed; a candidate a re-code
// created stands for its reviewer's verdict on the original, and is not a
// unit of its own. A coder's category for a unit is their latest verdict
// on it: "confirm", "reject" or "recode:<code path>". Span changes and
// notes are not categories: two coders who both confirm a unit agree,
// whatever span each chose, and their notes go to the disagreement sheet.
// The consensus (store.ConsensusReviewer) is never a coder.
//
// Each reviewer's decisions stay their own in the log, and a consensus is
// a decision of its own under the reviewer name "consensus": the coders'
// original judgements remain in every candidate's history, so the
// agreement can be measured again at any time. Record the outcome of a
// discussion as the consensus rather than by changing your own decision,
// or the agreement measured afterwards will no longer be the one you had.
package coders
