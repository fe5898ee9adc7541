// Package reviewpage serves the review page of "alongside review": one
// HTML page, listing a project's candidates by code with their passage in
// context, on which the analyst confirms, rejects or re-codes each one.
//
// Data flows one way per request. GET / reads the candidates from the
// store (filtered by the query string: code, status, transcript, speaker,
// batch), cuts each one's neighbouring sentences from its transcript
// version and renders page.html, which carries all its CSS and script
// inline. The script posts each decision at once to POST /api/decisions as
// JSON; the handler records it with decisions.Reviewer and answers with the
// candidate's new status and the progress of the current filters.
//
// The page holds health data and writes to the analyst's audit trail, so
// the server trusts nobody but the page it served: every request must name
// a loopback host (no DNS rebinding), and every POST must come from the
// same origin and carry the per-session token embedded in the page.
package reviewpage
