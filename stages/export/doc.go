// Package export writes candidates out for review and reads the review
// sheet back: ExportRows gathers the candidates a filter selects with a
// sentence of context on each side; WriteCSV and WriteXLSX write the sheet
// (formula-like cells neutralised); ReadDecisions reads the analyst's
// filled-in sheet for package decisions to import. The REFI-QDA project
// export is package qdpx.
//
//	store candidates -> ExportRows -> WriteCSV | WriteXLSX -> analyst
//	analyst's sheet -> ReadDecisions -> decisions.PlanImport
package export
