//go:build !race

package stages_test

// candRace reports whether the tests run under the race detector (the
// AnnoMI matching test is too slow there).
const candRace = false
