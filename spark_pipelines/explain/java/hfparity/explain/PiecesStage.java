package hfparity.explain;

import static hfparity.explain.Attribute.OTHER;
import static hfparity.explain.Attribute.PIECES;
import static hfparity.explain.Attribute.PIECES_DROPPED;
import static hfparity.explain.Attribute.PIECES_NOT_RECORDED;
import static hfparity.explain.Attribute.LOWERCASE_ONE_SIDE;
import static hfparity.explain.Attribute.ACCENT_ONE_SIDE;
import static hfparity.explain.Attribute.UNKNOWN_TOKEN;
import static hfparity.explain.Attribute.UNDETERMINED;
import static hfparity.explain.Attribute.aside;
import static hfparity.explain.Attribute.cause;
import static hfparity.explain.Attribute.truthy;
import static hfparity.explain.Piece.UNK;
import static hfparity.explain.Piece.endIndex;
import static hfparity.explain.Piece.realPieces;
import static hfparity.explain.Piece.sameKey;
import static hfparity.explain.Piece.sameKeys;
import static hfparity.explain.Piece.showPieces;
import static hfparity.explain.Piece.surface;
import static hfparity.explain.PieceSubCause.classify;
import static hfparity.explain.ScoresStage.outputsDiffer;
import static hfparity.explain.TruncationStage.truncated;
import static hfparity.explain.TruncationStage.truncation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stage pieces: kept model-input pieces that differ before either side's truncation point,
 * grouped by character clusters ({@link #clusters}); the first differing cluster is
 * classified by {@link PieceSubCause}. Without offsets, pieces are compared by position
 * ({@link #piecesByIndex}). A side without recorded pieces makes the row {@code
 * undetermined/pieces_not_recorded} when the outputs differ. Same kept pieces but one side
 * kept fewer: {@link TruncationStage}.
 */
final class PiecesStage {
  private PiecesStage() {}

  /**
   * Stage pieces (then truncation): kept pieces that differ before either side's truncation
   * point, else different numbers of kept pieces (truncation).
   */
  static Cause pieces(Record l, Record r, CharMap chars, List<String> notes,
      double tolerance) {
    List<Token> lp = l.pieces;
    List<Token> rp = r.pieces;
    if (lp == null || rp == null) {
      String missing = lp == null ? "left" : "right";
      String note = lp != null ? r.piecesNote : l.piecesNote;
      if (!outputsDiffer(l, r, tolerance)) {
        notes.add("pieces not recorded on " + missing);
        return null;
      }
      return cause(UNDETERMINED, PIECES_NOT_RECORDED, null, null,
          "pieces not recorded on " + missing + aside(note)
              + ": cannot tell pieces, truncation and numerics apart");
    }
    List<Piece> lreal = realPieces(lp);
    List<Piece> rreal = realPieces(rp);
    boolean useIds = true;
    boolean offsets = true;
    for (List<Piece> real : Arrays.asList(lreal, rreal)) {
      for (Piece p : real) {
        useIds &= p.id != null;
        offsets &= p.begin != null && p.end != null;
      }
    }
    if (!offsets) {
      return piecesByIndex(lreal, rreal, useIds, lp);
    }
    long limit = Long.MAX_VALUE;
    boolean ltrunc = truncated(l);
    boolean rtrunc = truncated(r);
    if (ltrunc) {
      limit = Math.min(limit, lreal.isEmpty() ? 0 : lreal.get(lreal.size() - 1).e);
    }
    if (rtrunc) {
      limit = Math.min(limit, rreal.isEmpty() ? 0 : rreal.get(rreal.size() - 1).e);
    }
    List<Piece> lkept = kept(lreal, limit);
    List<Piece> rkept = kept(rreal, limit);
    if (!sameKeys(lkept, rkept, useIds)) {
      return firstPieceDifference(lkept, rkept, useIds, l, r, chars, lp);
    }
    if (lreal.size() != rreal.size()) {
      return truncation(l, r, lreal, rreal, lp);
    }
    if (ltrunc != rtrunc) {
      notes.add("one side truncated and not the other, but both kept the same pieces");
    }
    return null;
  }

  private static List<Piece> kept(List<Piece> real, long limit) {
    if (limit == Long.MAX_VALUE) {
      return real;
    }
    List<Piece> out = new ArrayList<>(real.size());
    for (Piece p : real) {
      if (p.e <= limit) {
        out.add(p);
      }
    }
    return out;
  }

  /** Maximal spans joined by overlapping words or pieces. */
  private static int[] clusters(List<Piece> lkept, List<Piece> rkept, List<Token> lw,
      List<Token> rw) {
    int n = lkept.size() + rkept.size() + (lw == null ? 0 : lw.size())
        + (rw == null ? 0 : rw.size());
    long[] keys = new long[n];
    int[] runEnds = new int[4];
    int count = 0;
    for (int side = 0; side < 2; side++) {
      for (Piece p : side == 0 ? lkept : rkept) {
        keys[count++] = OffsetSet.sortKey(p.b, Math.max(p.e, p.b + 1));
      }
      runEnds[side] = count;
    }
    for (int side = 0; side < 2; side++) {
      List<Token> words = side == 0 ? lw : rw;
      if (words != null) {
        for (Token w : words) {
          if (w.begin != null && w.end != null && w.end > w.begin) {
            keys[count++] = OffsetSet.sortKey(w.begin, w.end);
          }
        }
      }
      runEnds[2 + side] = count;
    }
    keys = sorted(keys, count, runEnds);
    int[] merged = new int[2 * count];
    int m = 0;
    for (int i = 0; i < count; i++) {
      int b = OffsetSet.keyBegin(keys[i]);
      int e = OffsetSet.keyEnd(keys[i]);
      if (m > 0 && b < merged[m - 1]) {
        merged[m - 1] = Math.max(merged[m - 1], e);
      } else {
        merged[m++] = b;
        merged[m++] = e;
      }
    }
    return Arrays.copyOf(merged, m);
  }

  /**
   * The first {@code count} keys in order. They come as four runs (left pieces, right pieces,
   * left words, right words) that are usually each in order already: merge them, else sort.
   */
  private static long[] sorted(long[] keys, int count, int[] runEnds) {
    int[] pos = new int[4];
    for (int r = 0, start = 0; r < 4; start = runEnds[r++]) {
      pos[r] = start;
      for (int i = start + 1; i < runEnds[r]; i++) {
        if (keys[i] < keys[i - 1]) {
          Arrays.sort(keys, 0, count);
          return keys;
        }
      }
    }
    long[] out = new long[count];
    for (int k = 0; k < count; k++) {
      int best = -1;
      for (int r = 0; r < 4; r++) {
        if (pos[r] < runEnds[r] && (best < 0 || keys[pos[r]] < keys[pos[best]])) {
          best = r;
        }
      }
      out[k] = keys[pos[best]++];
    }
    return out;
  }

  /** PieceGroup pieces by cluster, classify the first gap. */
  private static Cause firstPieceDifference(List<Piece> lkept, List<Piece> rkept, boolean useIds,
      Record l, Record r, CharMap chars, List<Token> lp) {
    int[] spans = clusters(lkept, rkept, l.words, r.words);
    int count = spans.length / 2;
    int[] starts = new int[count];
    PieceGroup[] groups = new PieceGroup[count];
    for (int i = 0; i < count; i++) {
      starts[i] = spans[2 * i];
      groups[i] = new PieceGroup(spans[2 * i], spans[2 * i + 1]);
    }
    for (int side = 0; side < 2; side++) {
      for (Piece p : side == 0 ? lkept : rkept) {
        groups[Math.max(0, bisectRight(starts, p.b) - 1)].side(side).add(p);
      }
    }
    for (PieceGroup g : groups) {
      if (sameKeys(g.left, g.right, useIds)) {
        continue;
      }
      String[] classified = classify(g, chars, groups);
      String word = chars.spanText(g.begin, g.end);
      if (word == null) {
        word = surface(g.left.isEmpty() ? g.right : g.left);
      }
      int position;
      if (!g.left.isEmpty()) {
        position = g.left.get(0).index;
      } else {
        position = endIndex(lp);
        for (Piece p : lkept) {
          if (p.b >= g.end) {
            position = p.index;
            break;
          }
        }
      }
      String evidence = "left " + showPieces(g.left) + " vs right " + showPieces(g.right) + ": "
          + classified[1];
      return cause(PIECES, classified[0], word, position, evidence);
    }
    return piecesByIndex(lkept, rkept, useIds, lp); // same pieces per span, different order
  }

  private static int bisectRight(int[] a, int x) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (x < a[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** Fallback without offsets, piece by piece. */
  private static Cause piecesByIndex(List<Piece> lreal, List<Piece> rreal, boolean useIds,
      List<Token> lp) {
    int n = Math.min(lreal.size(), rreal.size());
    int first = n;
    for (int i = 0; i < n; i++) {
      if (!sameKey(lreal.get(i), rreal.get(i), useIds)) {
        first = i;
        break;
      }
    }
    String a = first < lreal.size() ? lreal.get(first).piece : null;
    String b = first < rreal.size() ? rreal.get(first).piece : null;
    String sub;
    String detail;
    if (a == null || b == null) {
      sub = PIECES_DROPPED;
      detail = "one side has " + Math.abs(lreal.size() - rreal.size()) + " more pieces";
    } else {
      detail = Evidence.quote(a) + " vs " + Evidence.quote(b);
      if (Chars.lower(a).equals(Chars.lower(b))) {
        sub = LOWERCASE_ONE_SIDE;
      } else if (Chars.deaccent(a).equals(Chars.deaccent(b))) {
        sub = ACCENT_ONE_SIDE;
      } else if (a.equals(UNK) || b.equals(UNK)) {
        sub = UNKNOWN_TOKEN;
      } else {
        sub = OTHER;
      }
    }
    int position = first < lreal.size() ? lreal.get(first).index : endIndex(lp);
    return cause(PIECES, sub, truthy(a) ? a : b, position,
        "piece " + first + " (aligned by position, offsets missing): " + detail);
  }
}
