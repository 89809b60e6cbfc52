package hfparity.explain;

import java.util.List;

/**
 * One aligned position of two token sequences (one element of the report's word_alignment or
 * piece_alignment): a run of tokens covering the same characters on both sides.
 *
 * <p>{@code leftIndex}/{@code rightIndex} index the first token of that side's run and are null
 * when the side has none there; {@code begin}/{@code end} span the run's characters (null for
 * offset-less tokens). The token lists hold the tokens' texts and are not to be modified.
 */
public final class AlignOp {
  public final String op;
  public final Integer leftIndex;
  public final Integer rightIndex;
  public final List<String> leftTokens;
  public final List<String> rightTokens;
  public final Integer begin;
  public final Integer end;

  public AlignOp(String op, Integer leftIndex, Integer rightIndex, List<String> leftTokens,
      List<String> rightTokens, Integer begin, Integer end) {
    this.op = op;
    this.leftIndex = leftIndex;
    this.rightIndex = rightIndex;
    this.leftTokens = leftTokens;
    this.rightTokens = rightTokens;
    this.begin = begin;
    this.end = end;
  }

  @Override
  public String toString() {
    return "AlignOp{" + op + ", " + leftIndex + ", " + rightIndex + ", " + leftTokens + ", "
        + rightTokens + ", " + begin + ", " + end + "}";
  }
}
