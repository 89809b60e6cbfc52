package hfparity.explain;

import static hfparity.explain.Attribute.TRUNCATION;
import static hfparity.explain.Attribute.cause;
import static hfparity.explain.Attribute.truthy;
import static hfparity.explain.Piece.endIndex;
import static hfparity.explain.WordsStage.wordAt;

import java.util.Collections;
import java.util.List;

/** Stage truncation: the same kept pieces, but one side kept fewer. */
final class TruncationStage {
  private TruncationStage() {}

  /** Whether a side was truncated: the flag, else more pieces before truncation than kept. */
  static boolean truncated(Record rec) {
    if (rec.truncated != null) {
      return rec.truncated;
    }
    int kept = rec.pieces == null ? 0 : rec.pieces.size();
    return rec.pieceCount != null && rec.pieceCount > kept;
  }

  /** Stage truncation: same kept pieces up to where the shorter side stops. */
  static Cause truncation(Record l, Record r, List<Piece> lreal, List<Piece> rreal,
      List<Token> lp) {
    int shorter = Math.min(lreal.size(), rreal.size());
    boolean leftLonger = lreal.size() > shorter;
    Piece extra = leftLonger ? lreal.get(shorter) : rreal.get(shorter);
    String shortSide = leftLonger ? "right" : "left";
    int position = leftLonger ? extra.index : endIndex(lp);
    List<Token> none = Collections.emptyList();
    String word = wordAt(extra.b, l.words == null ? none : l.words,
        r.words == null ? none : r.words).text;
    String shown = truthy(word) ? word : extra.piece;
    String evidence = "kept pieces equal for the first " + shorter + "; "
        + side("left", l, lreal) + ", " + side("right", r, rreal) + ": " + shortSide
        + " stops before " + Evidence.quote(shown) + " at char " + extra.begin;
    return cause(TRUNCATION, null, shown, position, evidence);
  }

  private static String side(String name, Record rec, List<Piece> real) {
    return name + " kept " + real.size() + " pieces (" + (truncated(rec) ? "truncated" : "whole")
        + ", " + Evidence.value(rec.pieceCount) + " with [CLS]/[SEP] before truncation)";
  }
}
