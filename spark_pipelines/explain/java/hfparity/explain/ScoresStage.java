package hfparity.explain;

import static hfparity.explain.Attribute.BOUNDARY;
import static hfparity.explain.Attribute.NUMERICS;
import static hfparity.explain.Attribute.cause;

import java.util.Objects;

/**
 * Stages numerics and boundary: identical model input; logits (else probabilities) beyond
 * tolerance are {@code numerics}; scores within tolerance but other labels are {@code
 * boundary}.
 */
final class ScoresStage {
  private ScoresStage() {}

  /** max |a - b|, the first pair's delta kept when later ones are NaN; null if unpaired. */
  private static Double maxDelta(double[] a, double[] b) {
    if (a == null || b == null || a.length != b.length) {
      return null;
    }
    if (a.length == 0) {
      return 0.0;
    }
    double max = Math.abs(a[0] - b[0]);
    for (int i = 1; i < a.length; i++) {
      double d = Math.abs(a[i] - b[i]);
      if (d > max) {
        max = d;
      }
    }
    return max;
  }

  /** By label when either side has one, else by label_id. */
  private static boolean labelsDiffer(Record l, Record r) {
    if (l.label != null || r.label != null) {
      return !Objects.equals(l.label, r.label);
    }
    return !Objects.equals(l.labelId, r.labelId);
  }

  /** Labels differ, or some probability moved beyond tolerance. */
  static boolean outputsDiffer(Record l, Record r, double tolerance) {
    Double delta = maxDelta(l.probabilities, r.probabilities);
    return labelsDiffer(l, r) || (delta != null && delta > tolerance);
  }

  /** Stages numerics, boundary: identical input; logits (else probabilities), else labels. */
  static Cause scores(Record l, Record r, double tolerance) {
    Double logitDelta = maxDelta(l.logits, r.logits);
    Double probDelta = maxDelta(l.probabilities, r.probabilities);
    boolean labelsDiffer = labelsDiffer(l, r);
    boolean numerics = logitDelta != null ? logitDelta > tolerance
        : probDelta != null && probDelta > tolerance;
    if (!numerics && !labelsDiffer) {
      return null;
    }
    String labels = "labels " + Evidence.value(l.label) + " vs " + Evidence.value(r.label);
    String tol = Evidence.number(tolerance, 6);
    String prob = Evidence.number(probDelta != null ? probDelta : Double.NaN);
    if (logitDelta != null && logitDelta > tolerance) {
      return cause(NUMERICS, null, null, null, "identical pieces; max |\u0394logit| "
          + Evidence.number(logitDelta) + " > tolerance " + tol + "; max |\u0394p| " + prob
          + "; " + labels);
    }
    if (logitDelta == null && probDelta != null && probDelta > tolerance) {
      return cause(NUMERICS, null, null, null, "identical pieces; logits not recorded on both "
          + "sides; max |\u0394p| " + prob + " > tolerance " + tol + "; " + labels);
    }
    return cause(BOUNDARY, null, null, null, "identical pieces; scores within tolerance " + tol
        + " (max |\u0394p| " + prob + ") but " + labels + ": left "
        + Evidence.probabilities(l.probabilities) + " vs right "
        + Evidence.probabilities(r.probabilities));
  }
}
