package hfparity.explain;

import java.util.List;

/**
 * Alignment, first divergence and cause of one report row (the whole row explanation; the
 * cause's rules are in {@link Attribute}).
 *
 * <p>It runs on the executors inside the join, so a million-row report never ships token
 * lists to Python. Alignments are kept only where the sequences differ; the first divergence
 * is taken at piece level when the pieces differ (what the model saw), else at word level.
 */
public final class ExplainRow {
  public static final String SAME = "same";
  public static final String NOT_IN_CORPUS = "not_in_corpus";
  static final String WORDS = Attribute.WORDS;
  static final String PIECES = Attribute.PIECES;

  /** The explanation of one row; all null for a same row. */
  public static final class Result {
    public List<AlignOp> wordAlignment;
    public List<AlignOp> pieceAlignment;
    public Divergence divergence;
    public Cause cause;
  }

  private ExplainRow() {}

  /**
   * Explain one row: left/right null when that side has no record; cfVerdict null when no
   * counterfactual ran for the row.
   */
  public static Result explain(String status, Record left, Record right, String cfVerdict,
      Double cfMaxAbsDelta, double tolerance) {
    return explain(status, left, right, cfVerdict, cfMaxAbsDelta, tolerance, (FlipRun) null);
  }

  /**
   * As above, with the label-flip re-run of the row (null when it did not run); the evidence
   * then says what decides the flip.
   */
  public static Result explain(String status, Record left, Record right, String cfVerdict,
      Double cfMaxAbsDelta, double tolerance, FlipRun flip) {
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
      found = Attribute.fallback(found, out.wordAlignment, divergence);
    }
    String evidence = found.evidence == null || found.evidence.isEmpty() ? null : found.evidence;
    String flips = flip == null ? null : flip.evidence(out.pieceAlignment);
    if (flips != null) {
      evidence = evidence == null ? flips : evidence + "; " + flips;
    }
    out.cause = new Cause(found.cause, found.subCause, found.word, found.position, evidence,
        found.cfConsistent);
    return out;
  }
}
