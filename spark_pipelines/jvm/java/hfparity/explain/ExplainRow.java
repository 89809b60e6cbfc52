package hfparity.explain;

import java.util.List;

/**
 * Alignment, first divergence and cause of one report row: the JVM twin of
 * compare/rows.py's explain_row (the Python function stays the reference the tests hold this
 * class to, row by row, on real records).
 *
 * <p>It runs on the executors inside the join, so a million-row report never ships token
 * lists to Python. Alignments are kept only where the sequences differ; the first divergence
 * is taken at piece level when the pieces differ (what the model saw), else at word level.
 */
public final class ExplainRow {
  public static final String SAME = "same";
  public static final String NOT_IN_CORPUS = "not_in_corpus";
  static final String WORDS = "words";
  static final String PIECES = "pieces";
  static final String SPLIT_DIFFERENTLY = "split_differently";
  static final String UNDETERMINED = "undetermined";

  /** Everything explain_row returns for one row; all null for a same row. */
  public static final class Result {
    public List<AlignOp> wordAlignment;
    public List<AlignOp> pieceAlignment;
    public Divergence divergence;
    public Cause cause;
  }

  private ExplainRow() {}

  /**
   * explain_row(status, left, right, cf, tolerance): left/right null when that side has no
   * record; cfVerdict null when no counterfactual ran for the row.
   */
  public static Result explain(String status, Record left, Record right, String cfVerdict,
      Double cfMaxAbsDelta, double tolerance) {
    Result out = new Result();
    if (SAME.equals(status)) {
      return out;
    }
    Divergence divergence = null;
    for (String level : new String[] {WORDS, PIECES}) {
      List<Token> lseq = left == null ? null : (WORDS.equals(level) ? left.words : left.pieces);
      List<Token> rseq = right == null ? null : (WORDS.equals(level) ? right.words : right.pieces);
      List<AlignOp> ops = Align.align(lseq, rseq);
      if (ops == null || Align.allEqual(ops)) {
        continue;
      }
      if (WORDS.equals(level)) {
        out.wordAlignment = ops;
      } else {
        out.pieceAlignment = ops;
      }
      Divergence found = Align.firstDivergence(ops, lseq, rseq, level, Align.WINDOW);
      if (found != null) {
        divergence = found;
      }
    }
    out.divergence = divergence;
    Cause found = Attribute.attribute(left, right, tolerance, cfVerdict, cfMaxAbsDelta);
    if (found.cause == null && !NOT_IN_CORPUS.equals(status)) {
      found = fallbackCause(found, out.wordAlignment, divergence);
    }
    String evidence = found.evidence == null || found.evidence.isEmpty() ? null : found.evidence;
    out.cause = new Cause(found.cause, found.subCause, found.word, found.position, evidence,
        found.cfConsistent);
    return out;
  }

  /**
   * rows._fallback_cause: a row whose only difference is how the words were cut still parts
   * first at the word stage (cause words / split_differently); anything else is undetermined.
   */
  static Cause fallbackCause(Cause found, List<AlignOp> wordOps, Divergence divergence) {
    boolean hasEvidence = found.evidence != null && !found.evidence.isEmpty();
    if (wordOps != null && !wordOps.isEmpty() && divergence != null
        && WORDS.equals(divergence.level)) {
      AlignOp op = null;
      for (AlignOp candidate : wordOps) {
        if (!"equal".equals(candidate.op)) {
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
