// Package relevance ranks passages by how much they sound like a code:
// offline, in pure Go, deterministic and explainable.
//
// The data flow, per run:
//
//  1. Index: every sentence of the corpus is analysed once as the index's
//     "text" field is (words stemmed, case and apostrophes folded) into a
//     Doc; the document frequencies of its words give BM25 its statistics.
//     Function words stay in a Doc, marked, for word pairs ("don't want"),
//     and so does a "?" token for each question (Analyzer.Tokens).
//  2. Scorer, per code: a BM25 query built from the code's description
//     (weight 1 per word), the words of its keyword rules (2) and its
//     examples (1), plus the texts of its confirmed candidates (each at
//     most 0.5, less when there are many), is run against every unit the
//     code may propose (its speakers' sentences, or turns). Scores are
//     divided by the best unit's, so 1 is the most relevant unit of the
//     corpus for that code and scores compare across codes. A unit that
//     one of the code's keyword rules matches (on its words, as the index
//     would) has the analyst's own evidence for it besides: the two count
//     as independent signs (a noisy OR, a hit alone worth 0.5), so keyword
//     hits lead the queue in the order of their description score, and a
//     unit no rule matches keeps its score.
//  3. Learning, once a code has decisions: a logistic model over the
//     unit's words and word pairs and whether it asks (the "?" token,
//     which only the model sees), with confirmed units as positives,
//     rejected ones as negatives and a fixed sample of other units as weak
//     negatives (weight 0.05: training on decided keyword hits alone
//     learns "keyword means negative"). It is blended in with a weight of
//     at most k/(k+10) for k decisions, and only as much as it helps: the
//     weight is chosen by leave-one-out (10-fold past 40 decisions): the
//     blend that best ranks the confirmed units, each scored without
//     itself, above the rejected ones and the weak negatives (at their
//     weight: the queue is drawn from the whole corpus), with each fold's
//     model scoring with the whole model's bias (holding a confirmed unit
//     out lowers the fold's share of confirmed ones, which would count
//     against the unit held out). It stays 0 when the model does not beat
//     the description score there.
//  4. Why: the words of the unit that weigh most in its score, and "like
//     confirmed <id>" when a confirmed candidate is close to it; never the
//     "?" token, which is not a word of the passage.
//
// Every sum runs in a fixed order (the words of a unit, sorted feature
// keys), never a map's: the same corpus and decisions give the same
// scores to the last bit.
//
// Nothing here reads the store or the index; package stages feeds it.
package relevance
