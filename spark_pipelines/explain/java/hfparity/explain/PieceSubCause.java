package hfparity.explain;

import static hfparity.explain.Attribute.ACCENT_ONE_SIDE;
import static hfparity.explain.Attribute.LOWERCASE_ONE_SIDE;
import static hfparity.explain.Attribute.OTHER;
import static hfparity.explain.Attribute.PIECES_DROPPED;
import static hfparity.explain.Attribute.SPACE_MARKER;
import static hfparity.explain.Attribute.SPLIT_DIFFERENTLY;
import static hfparity.explain.Attribute.UNKNOWN_TOKEN;
import static hfparity.explain.Attribute.showRuns;
import static hfparity.explain.Attribute.truthy;
import static hfparity.explain.Piece.hasUnk;
import static hfparity.explain.Piece.samePieces;
import static hfparity.explain.Piece.surface;
import static hfparity.explain.Piece.visibleCoverage;
import static hfparity.explain.Piece.withoutSpaceMarker;

import java.util.Arrays;
import java.util.List;

/**
 * The pieces stage's sub-cause for the first differing cluster, tried in this order: {@code
 * pieces_dropped} (one side's pieces cover characters the other's do not), {@code other}
 * (same piece strings, other ids), {@code split_differently} (same characters, other
 * segmentation), {@code space_marker} (equal once the word-start marker of byte-level BPE or
 * SentencePiece is removed, and only one side has it), {@code accent_one_side} / {@code
 * lowercase_one_side} (equal once folded; an [UNK] on one side whose source folds to the
 * other side's surface is blamed on case or accents, using what that side does elsewhere in
 * the row: {@link #profile}), {@code unknown_token}, else {@code other}.
 */
final class PieceSubCause {
  private static final int HF_MAX_CHARS_PER_WORD = 100;

  private PieceSubCause() {}

  /** {sub-cause, reason} for one span whose pieces differ. */
  static String[] classify(PieceGroup g, CharMap chars, PieceGroup[] groups) {
    String source = chars.spanText(g.begin, g.end);
    int[] lcov = visibleCoverage(g.left, chars);
    int[] rcov = visibleCoverage(g.right, chars);
    if (!Arrays.equals(lcov, rcov)) {
      return dropped(g, lcov, rcov, source, chars);
    }
    boolean lunk = hasUnk(g.left);
    boolean runk = hasUnk(g.right);
    if (!lunk && !runk) {
      String ls = surface(g.left);
      String rs = surface(g.right);
      if (ls.equals(rs)) {
        if (samePieces(g.left, g.right)) {
          return new String[] {OTHER, "same piece strings, different vocabulary ids"};
        }
        return new String[] {SPLIT_DIFFERENTLY,
            "same characters " + Evidence.quote(ls) + ", segmented differently"};
      }
      String shown = Evidence.quote(ls) + " vs " + Evidence.quote(rs);
      String lbare = withoutSpaceMarker(ls);
      String rbare = withoutSpaceMarker(rs);
      if (lbare.equals(rbare)
          && (ls.length() != lbare.length()) != (rs.length() != rbare.length())) {
        String marked = ls.length() != lbare.length() ? "left" : "right";
        return new String[] {SPACE_MARKER, shown + ": only the " + marked + " side marks the "
            + "word's leading space (byte-level BPE \u0120 / SentencePiece \u2581)"};
      }
      if (Chars.fold(ls).equals(Chars.fold(rs))) {
        if (!Chars.lower(ls).equals(Chars.lower(rs))
            && Chars.deaccent(ls).equals(Chars.deaccent(rs))) {
          return new String[] {ACCENT_ONE_SIDE, shown + ": accents kept on one side"};
        }
        return new String[] {LOWERCASE_ONE_SIDE, shown + ": lowercased on one side"};
      }
      return new String[] {OTHER, shown};
    }
    if (lunk && runk) {
      return new String[] {OTHER, "both sides have [UNK] here, segmented differently"};
    }
    String unkSide = lunk ? "left" : "right";
    String surface = surface(lunk ? g.right : g.left);
    if (source != null && Chars.codePoints(source) <= HF_MAX_CHARS_PER_WORD
        && Chars.fold(source).equals(Chars.fold(surface))) {
      boolean[] profile = profile(groups, lunk ? 0 : 1, chars);
      if (Chars.hasUpper(source) && !Chars.hasUpper(surface) && !profile[0]) {
        boolean ambiguous = Chars.hasAccent(Chars.lower(source)) && !profile[1];
        return new String[] {LOWERCASE_ONE_SIDE, unkSide + " kept the case of "
            + Evidence.quote(source) + " (not in the vocabulary: [UNK]), the other side lowercased "
            + "it to " + Evidence.quote(surface)
            + (ambiguous ? " (or kept its accents: nothing else in the row tells)" : "")};
      }
      if (Chars.hasAccent(source) && !Chars.hasAccent(surface) && !profile[1]) {
        return new String[] {ACCENT_ONE_SIDE, unkSide + " kept the accents of "
            + Evidence.quote(source) + " (not in the vocabulary: [UNK]), the other side stripped "
            + "them to " + Evidence.quote(surface)};
      }
    }
    String length = truthy(source) ? " (" + Chars.codePoints(source) + " chars)" : "";
    return new String[] {UNKNOWN_TOKEN, unkSide + " has [UNK] for "
        + Evidence.quote(truthy(source) ? source : surface) + length};
  }

  /**
   * Whether one side is seen elsewhere in the row to {lowercase, strip
   * accents}; "not seen" and "never applies" both read as false.
   */
  private static boolean[] profile(PieceGroup[] groups, int side, CharMap chars) {
    boolean lowercases = false;
    boolean strips = false;
    for (PieceGroup g : groups) {
      List<Piece> pieces = g.side(side);
      if (pieces.isEmpty()) {
        continue;
      }
      String source = chars.spanText(g.begin, g.end);
      if (source == null || hasUnk(pieces)) {
        continue;
      }
      String surface = surface(pieces);
      if (!Chars.fold(surface).equals(Chars.fold(source))) {
        continue;
      }
      if (!lowercases && Chars.hasUpper(source)) {
        lowercases = !Chars.hasUpper(surface);
      }
      if (!strips && Chars.hasAccent(source)) {
        strips = !Chars.hasAccent(surface);
      }
    }
    return new boolean[] {lowercases, strips};
  }

  /** Characters one side's pieces cover and the other's do not. */
  private static String[] dropped(PieceGroup g, int[] lcov, int[] rcov, String source,
      CharMap chars) {
    int[] onlyL = OffsetSet.minus(lcov, rcov);
    int[] onlyR = OffsetSet.minus(rcov, lcov);
    String where = truthy(source) ? " from " + Evidence.quote(source) : "";
    for (int pass = 0; pass < 2; pass++) {
      int[] only = pass == 0 ? onlyL : onlyR;
      int[] other = pass == 0 ? onlyR : onlyL;
      if (only.length > 0 && other.length == 0) {
        int count = 0;
        for (Piece p : pass == 0 ? g.left : g.right) {
          if (OffsetSet.meets(only, p.b, p.e)) {
            count++;
          }
        }
        return new String[] {PIECES_DROPPED, Evidence.count(count, "piece") + " dropped" + where
            + " on " + (pass == 0 ? "right" : "left")};
      }
    }
    return new String[] {PIECES_DROPPED, "characters only left: " + showRuns(onlyL, chars)
        + "; only right: " + showRuns(onlyR, chars)};
  }
}
