// Package decisions records what the analyst decides about candidates:
// confirm, reject, re-code, a span change or a note, each with who, when
// and under which codebook version, in the store's append-only log.
//
// Decisions come in two ways: one at a time (the CLI's confirm, reject,
// recode, span and note commands, and the review page), through
// Reviewer.Record; or a whole review sheet at once (import-decisions):
// export.ReadDecisions reads the filled-in sheet, PlanImport checks every
// row and works out what to record, and ImportDecisions records all of it
// or nothing.
//
//	candidates (store) -> review page / sheet -> Decision -> Validate -> Record -> log (store)
package decisions
