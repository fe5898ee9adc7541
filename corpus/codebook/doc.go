// Package codebook reads and writes the analyst's codebook: a tree of
// codes (themes, subthemes, codes, to any depth), each with a description,
// keywords and exclusions written in Alongside's query language, optional
// speaker filters and a unit (sentence or turn).
//
// A code is addressed by its path, the names from the root joined with "/"
// ("Interactive-dialogic processes/Walking alongside"). The codebook is read
// from YAML (the analyst's own file), from CSV (one row per keyword: code
// path, description, keyword) or from a REFI-QDA codebook (.qdc), and
// written back as .qdc, where keywords go into the description since REFI
// has no keyword element.
//
// This package checks the shape of a codebook and keeps the line of every
// code and rule; whether a rule is a valid query is checked with the
// parser the caller gives Check (package index's), and reported at that
// line. Every problem in a file is reported (Errors), not only the first,
// so the analyst mends them all in one go.
package codebook
