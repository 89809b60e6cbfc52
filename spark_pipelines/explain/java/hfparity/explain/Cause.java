package hfparity.explain;

/**
 * Why two prediction records disagree (see {@link Attribute}); {@code cause} null
 * when they agree. {@code position} indexes the left record's words (cause words) or pieces
 * ([CLS] at 0; pieces, truncation). {@code cfConsistent}: whether a counterfactual verdict
 * agrees with the cause, null when unchecked.
 */
public final class Cause {
  public final String cause;
  public final String subCause;
  public final String word;
  public final Integer position;
  public final String evidence;
  public final Boolean cfConsistent;

  public Cause(String cause, String subCause, String word, Integer position, String evidence,
      Boolean cfConsistent) {
    this.cause = cause;
    this.subCause = subCause;
    this.word = word;
    this.position = position;
    this.evidence = evidence;
    this.cfConsistent = cfConsistent;
  }

  @Override
  public String toString() {
    return "Cause(" + cause + ", " + subCause + ", " + Evidence.quote(word) + ", " + position
        + ", " + Evidence.quote(evidence) + ", " + cfConsistent + ")";
  }
}
