package hfparity.explain;

import static hfparity.explain.Attribute.MISSING;
import static hfparity.explain.Attribute.STATUS;
import static hfparity.explain.Attribute.aside;
import static hfparity.explain.Attribute.cause;

import java.util.Objects;

/**
 * Stage status (the first): a side with no record ({@code status/missing}) or not scored, or
 * neither scored (the join's unscored_both: no label on either side is no agreement); the
 * sub-cause is the unscored side's record status.
 */
final class StatusStage {
  private static final String OK = "ok";

  private StatusStage() {}

  /** Stage status: a missing or unscored side, or both unscored (never an agreement). */
  static Cause status(Record l, Record r) {
    if (l == null || r == null) {
      return cause(STATUS, MISSING, null, null, "no " + (l == null ? "left" : "right") + " record");
    }
    String ls = l.status;
    String rs = r.status;
    if (OK.equals(ls) && OK.equals(rs)) {
      return null;
    }
    String sub = !OK.equals(ls) ? ls : rs;
    String sides = "left " + Evidence.value(ls) + aside(l.error) + " vs right "
        + Evidence.value(rs) + aside(r.error);
    // Both unscored for the same reason (the join's unscored_both): not an agreement, since
    // neither model gave a label; the sub-cause says why.
    String evidence = Objects.equals(ls, rs) ? "neither side scored the row: " + sides : sides;
    return cause(STATUS, sub, null, null, evidence);
  }
}
