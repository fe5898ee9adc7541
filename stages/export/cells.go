package export

// Neutralise protects a CSV cell that a spreadsheet would run as a
// formula (a leading quote); Unneutralise is its exact inverse. Other
// sheets the analyst edits (the participants sheet) use them too.
func Neutralise(s string) string { return neutralise(s) }

// Unneutralise takes off the quote Neutralise added.
func Unneutralise(s string) string { return unneutralise(s) }
