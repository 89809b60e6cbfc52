package hfparity.explain;

import java.util.List;

/**
 * Where two token sequences first part (Align.firstDivergence; the report's first_divergence):
 * the first op that is not equal, with up to a window of tokens each side of it.
 *
 * <p>{@code leftIndex}/{@code rightIndex} say where the divergence starts on each side, or the
 * index it would have when that side has no token there; each window runs from {@code window}
 * tokens before that index to {@code window} tokens after the diverging run. {@code begin}/
 * {@code end} are the op's (null for offset-less tokens).
 */
public final class Divergence {
  public final String level;
  public final String op;
  public final int leftIndex;
  public final int rightIndex;
  public final Integer begin;
  public final Integer end;
  public final List<String> leftWindow;
  public final List<String> rightWindow;

  public Divergence(String level, String op, int leftIndex, int rightIndex, Integer begin,
      Integer end, List<String> leftWindow, List<String> rightWindow) {
    this.level = level;
    this.op = op;
    this.leftIndex = leftIndex;
    this.rightIndex = rightIndex;
    this.begin = begin;
    this.end = end;
    this.leftWindow = leftWindow;
    this.rightWindow = rightWindow;
  }

  @Override
  public String toString() {
    return "Divergence{" + level + ", " + op + ", " + leftIndex + ", " + rightIndex + ", " + begin
        + ", " + end + ", " + leftWindow + ", " + rightWindow + "}";
  }
}
