package hfparity.explain;

import java.util.Collections;
import java.util.List;

/**
 * The label-flip re-run of one row (explain/flips.py), as the report's flip columns hold it, and
 * its wording in {@code cause_evidence}. What was tried and which unit decides is decided in
 * Python (explain/decisive.py, the rule's one home); this class only reads the result and says
 * it: the decisive unit ({@code piece}, {@code word}, {@code several_words}, {@code
 * not_reproduced}: report/schema.py DECISIVE_UNITS), the word it names, and the differences
 * behind it.
 */
public final class FlipRun {
  static final String PIECE = "piece";
  static final String WORD = "word";
  static final String SEVERAL_WORDS = "several_words";
  static final String NOT_REPRODUCED = "not_reproduced";

  /** A word whose piece differences, applied together, flip the label. */
  public static final class Word {
    public final String text;
    public final int[] differences;

    public Word(String text, int[] differences) {
      this.text = text;
      this.differences = differences == null ? new int[0] : differences;
    }
  }

  public final Integer tried;
  public final int[] alone;
  public final Integer wordsTried;
  public final List<Word> wordAlone;
  public final String unit;
  public final String word;

  /**
   * {@code tried} piece differences re-run one at a time, {@code alone} the piece_alignment
   * indexes of those that alone flip; {@code wordsTried} words re-run, {@code wordAlone} those
   * whose differences together flip; the decisive unit and word (any may be null: not run).
   */
  public FlipRun(Integer tried, int[] alone, Integer wordsTried, List<Word> wordAlone,
      String unit, String word) {
    this.tried = tried;
    this.alone = alone;
    this.wordsTried = wordsTried;
    this.wordAlone = wordAlone == null ? Collections.<Word>emptyList() : wordAlone;
    this.unit = unit;
    this.word = word;
  }

  /** The evidence of the re-run, or null when it did not run or had nothing to try. */
  public String evidence(List<AlignOp> ops) {
    if (ops == null || tried == null || alone == null || tried == 0) {
      return null;
    }
    String of = " (of " + Evidence.count(tried, "piece difference")
        + (wordsTried == null ? "" : " in " + Evidence.count(wordsTried, "word"))
        + ", re-run one at a time, then word by word)";
    String named = word == null ? "" : "; decisive word " + Evidence.quote(word);
    if (alone.length > 0) {  // unit piece
      return pieces(ops, of) + named;
    }
    if (WORD.equals(unit) && !wordAlone.isEmpty()) {
      StringBuilder out = new StringBuilder(
          "no single piece difference flips the label, one word's differences together do: ");
      for (int k = 0; k < Math.min(wordAlone.size(), Evidence.RUNS_SHOWN); k++) {
        Word w = wordAlone.get(k);
        out.append(k == 0 ? "" : ", ").append(Evidence.quote(w.text)).append(' ')
            .append(differences(ops, w.differences));
      }
      if (wordAlone.size() > Evidence.RUNS_SHOWN) {
        out.append(" and ").append(wordAlone.size() - Evidence.RUNS_SHOWN).append(" more");
      }
      return out.append(of).append(named).toString();
    }
    if (SEVERAL_WORDS.equals(unit)) {
      return "no single piece difference flips the label, nor one word's differences together:"
          + " it takes several words; all of them together do" + of;
    }
    if (NOT_REPRODUCED.equals(unit)) {
      return "no single piece difference flips the label, nor one word's, nor all of them"
          + " together: the flip is not in the pieces" + of;
    }
    // a re-run from before words were tried: no unit recorded
    return "no single piece difference flips the label" + of;
  }

  /** The pieces that flip alone, at most three, and whether the first divergence is one. */
  private String pieces(List<AlignOp> ops, String of) {
    int first = -1;
    for (int i = 0; i < ops.size() && first < 0; i++) {
      AlignOp op = ops.get(i);
      if (!Align.EQUAL.equals(op.op) && !specialsOnly(op)) {  // as explain/decisive.py counts
        first = i;
      }
    }
    StringBuilder out = new StringBuilder("the label flips with one piece difference alone: ");
    for (int k = 0; k < Math.min(alone.length, Evidence.RUNS_SHOWN); k++) {
      AlignOp op = alone[k] < ops.size() ? ops.get(alone[k]) : null;
      out.append(k == 0 ? "" : ", ").append('#').append(alone[k]);
      if (op != null) {
        out.append(' ').append(Evidence.pieces(orNone(op.leftTokens))).append(" -> ")
            .append(Evidence.pieces(orNone(op.rightTokens)));
      }
    }
    if (alone.length > Evidence.RUNS_SHOWN) {
      out.append(" and ").append(alone.length - Evidence.RUNS_SHOWN).append(" more");
    }
    boolean firstFlips = false;
    for (int index : alone) {
      firstFlips |= index == first;
    }
    return out.append(of).append(firstFlips ? "; the first divergence is one of them"
        : "; the first divergence alone does not").toString();
  }

  /** {@code (#7 #8: ''' 't' -> nothing)}: a word's differences, left pieces to right pieces. */
  private static String differences(List<AlignOp> ops, int[] indexes) {
    StringBuilder out = new StringBuilder("(");
    List<String> left = new java.util.ArrayList<>();
    List<String> right = new java.util.ArrayList<>();
    for (int k = 0; k < indexes.length; k++) {
      out.append(k == 0 ? "#" : " #").append(indexes[k]);
      if (indexes[k] >= 0 && indexes[k] < ops.size()) {
        left.addAll(orNone(ops.get(indexes[k]).leftTokens));
        right.addAll(orNone(ops.get(indexes[k]).rightTokens));
      }
    }
    return out.append(": ").append(Evidence.pieces(left)).append(" -> ")
        .append(Evidence.pieces(right)).append(')').toString();
  }

  private static boolean specialsOnly(AlignOp op) {
    for (String t : orNone(op.leftTokens)) {
      if (!"[CLS]".equals(t) && !"[SEP]".equals(t)) {
        return false;
      }
    }
    for (String t : orNone(op.rightTokens)) {
      if (!"[CLS]".equals(t) && !"[SEP]".equals(t)) {
        return false;
      }
    }
    return true;
  }

  private static List<String> orNone(List<String> tokens) {
    return tokens == null ? Collections.<String>emptyList() : tokens;
  }
}
