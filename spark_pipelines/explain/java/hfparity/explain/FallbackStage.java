package hfparity.explain;

import static hfparity.explain.Attribute.SPLIT_DIFFERENTLY;
import static hfparity.explain.Attribute.UNDETERMINED;
import static hfparity.explain.Attribute.WORDS;

import java.util.List;

/**
 * Stage fallback (called by ExplainRow with the word alignment, through {@link
 * Attribute#fallback}): a row that differs only in how its words were cut is {@code
 * words/split_differently}; anything else left unexplained is {@code undetermined}.
 */
final class FallbackStage {
  private FallbackStage() {}

  /**
   * Fallback, for a row that differs where no stage above finds a disagreement of outputs: a
   * row whose only difference is how the words were cut (same characters, same pieces) still
   * parts first at the word stage, so it gets {@code words/split_differently} at the first
   * diverging word; anything else is {@code undetermined}. Notes already gathered stay the
   * evidence.
   */
  static Cause fallback(Cause found, List<AlignOp> wordOps, Divergence divergence) {
    boolean hasEvidence = found.evidence != null && !found.evidence.isEmpty();
    if (wordOps != null && !wordOps.isEmpty() && divergence != null
        && WORDS.equals(divergence.level)) {
      AlignOp op = null;
      for (AlignOp candidate : wordOps) {
        if (!Align.EQUAL.equals(candidate.op)) {
          op = candidate;
          break;
        }
      }
      List<String> lt = op.leftTokens;
      List<String> rt = op.rightTokens;
      String word;
      if (lt.size() == 1) {
        word = lt.get(0);
      } else if (rt.size() == 1) {
        word = rt.get(0);
      } else {
        word = String.join(" ", lt.isEmpty() ? rt : lt);
      }
      return new Cause(WORDS, SPLIT_DIFFERENTLY, word, divergence.leftIndex,
          hasEvidence ? found.evidence : "word tokens cut differently", null);
    }
    return new Cause(UNDETERMINED, null, null, null,
        hasEvidence ? found.evidence : "the row differs but no stage explains it", null);
  }
}
