// Package participants is the participants sheet: every speaker of every
// transcript (label as written, turns, words, role and whether the role was
// inferred), written as CSV or XLSX for the analyst to fill in roles,
// participant IDs (the same person across the sessions of a multistage
// focus group gets one ID) and attribute columns of their own (age band,
// gender, site, wave...), and read back: checked whole, every error with its
// row and column, and stored only when all of it is valid.
//
//	store speakers -> Write -> analyst -> Read (validate) -> store.ReplaceParticipants
//
// A row's transcript may be a pattern with * ("fg-site-a-*"): a transcript
// added later picks up the rows that match it. The roles and attributes
// apply to searches, codebook rules and exports at once: nothing is
// re-indexed.
package participants
