// Package pipeline is a small engine for staged workers: a source feeds a
// chain of stages over bounded channels, each stage runs its own number of
// workers, and all of them run in one errgroup per batch.
//
// The nightly batch (package stages) is this flow:
//
//	discover ──▶ read ──▶ group ──▶ segment ──▶ ungroup ──▶ passages ──▶ index ──▶ record
//	 (1)        (-j)      (1)       (-j)         (1)          (1)         (1)        (1)
//
// (group and ungroup, Batch and Flatten here, let segment make one prose
// document of several files.)
//
// Rules every stage keeps, so a batch can be cancelled at any point and
// nothing leaks: the sender closes the channel it sends on; every send and
// receive also watches ctx.Done(); a stage returns its error to the group
// (which cancels the context for the others) instead of sending it down a
// channel; nothing panics or exits. Per-item problems that must not stop
// the batch (a bad transcript) travel down the channels as data.
//
// Each stage records how long its workers were busy and how many items
// they handled, for the run summary.
package pipeline
