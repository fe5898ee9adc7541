// Package agreement measures how far independent coders agree when they
// review the same candidate meaning units: the statistics behind blind
// double coding.
//
// Each coder judges units with a nominal category ("confirm", "reject",
// "recode:<code path>", ...); any coder may leave any unit unjudged. The
// caller turns its decisions into [Judgement]s, one per coder and unit,
// tagged with a group (usually the unit's proposed code), and builds
// [Data] with [NewData]. From Data:
//
//   - [Data.PairAgreement] and [Data.Pairs]: percent agreement and Cohen's
//     kappa for two coders, over the units both judged.
//   - [Data.Alpha]: Krippendorff's alpha for nominal data, any number of
//     coders, missing judgements allowed, by the coincidence matrix
//     (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").
//     Units judged by fewer than two coders are not pairable and are left
//     out.
//   - [Data.Bootstrap]: a percentile confidence interval for alpha from a
//     unit-level bootstrap with an injected, seedable math/rand/v2 source.
//   - [Data.Disagreements]: the units where coders differ, with each
//     coder's category, for the discussion that follows.
//   - [Data.Group] and [Data.Summarize]: the same per group (per code) as
//     well as overall.
//
// Degenerate cases give NaN, never a panic, and say why: with no units in
// common, percent agreement and kappa are NaN (Pair.Units is 0); when both
// coders used one and the same category throughout, kappa is NaN (chance
// explains all the agreement); alpha is NaN with Alpha.Undefined set to
// [NoPairableUnits] or [NoVariation] (every pairable judgement the same
// category). Callers that print JSON must map NaN to null themselves:
// encoding/json refuses NaN.
//
// The package is pure computation: it reads no store and prints nothing.
package agreement
