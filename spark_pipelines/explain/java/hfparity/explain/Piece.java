package hfparity.explain;

import java.util.ArrayList;
import java.util.List;

/**
 * A model-input piece with its index in the record's list, and the rules the pieces stages
 * read lists of them by: special tokens, the "##" and space markers, [UNK], coverage.
 */
final class Piece {
  static final String UNK = "[UNK]";

  final int index;
  final String piece;
  final Integer id;
  final Integer begin;
  final Integer end;
  /** The span [b, e): a missing offset reads as 0. */
  final int b;
  final int e;

  Piece(int index, String piece, Integer id, Integer begin, Integer end) {
    this.index = index;
    this.piece = piece;
    this.id = id;
    this.begin = begin;
    this.end = end;
    this.b = begin == null ? 0 : begin;
    this.e = end == null ? 0 : end;
  }

  static boolean isSpecial(String piece) {
    if (piece == null || piece.length() < 3
        || (piece.charAt(0) != '[' && piece.charAt(0) != '<')) {
      return false;
    }
    switch (piece) {
      case "[CLS]":
      case "[SEP]":
      case "[PAD]":
      case "[MASK]":
      case "<s>":
      case "</s>":
      case "<pad>":
      case "<mask>":
      case "[pad]":
        return true;
      default:
        return false;
    }
  }

  /** Pieces without the offsetless special ones. */
  static List<Piece> realPieces(List<Token> pieces) {
    List<Piece> out = new ArrayList<>(pieces.size());
    for (int i = 0; i < pieces.size(); i++) {
      Token p = pieces.get(i);
      String piece = p.text == null ? "" : p.text;
      if (p.begin == null && isSpecial(piece)) {
        continue;
      }
      out.add(new Piece(i, piece, p.id, p.begin, p.end));
    }
    return out;
  }

  static boolean sameKey(Piece a, Piece b, boolean useIds) {
    return useIds ? a.id.equals(b.id) : a.piece.equals(b.piece);
  }

  static boolean sameKeys(List<Piece> a, List<Piece> b, boolean useIds) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!sameKey(a.get(i), b.get(i), useIds)) {
        return false;
      }
    }
    return true;
  }

  /** The pieces' characters, "##" continuation marks removed. */
  static String surface(List<Piece> pieces) {
    if (pieces.size() == 1) {
      return strip(pieces.get(0).piece);
    }
    StringBuilder out = new StringBuilder();
    for (Piece p : pieces) {
      out.append(strip(p.piece));
    }
    return out.toString();
  }

  /** A surface without the word-start markers of byte-level BPE (Ġ) and SentencePiece (▁). */
  static String withoutSpaceMarker(String surface) {
    return surface.replace("\u0120", "").replace("\u2581", "");
  }

  private static String strip(String piece) {
    return piece.startsWith("##") && piece.length() > 2 ? piece.substring(2) : piece;
  }

  /** A group's piece strings as evidence text (Evidence.pieces). */
  static String showPieces(List<Piece> pieces) {
    List<String> strings = new ArrayList<>(pieces.size());
    for (Piece p : pieces) {
      strings.add(p.piece);
    }
    return Evidence.pieces(strings);
  }

  /** Index of the left [SEP], or the list length. */
  static int endIndex(List<Token> lp) {
    if (!lp.isEmpty()) {
      Token last = lp.get(lp.size() - 1);
      if (isSpecial(last.text) && last.begin == null) {
        return lp.size() - 1;
      }
    }
    return lp.size();
  }

  /** Offsets the pieces cover, invisible characters left out. */
  static int[] visibleCoverage(List<Piece> group, CharMap chars) {
    int[] spans = new int[2 * group.size()];
    for (int i = 0; i < group.size(); i++) {
      spans[2 * i] = group.get(i).b;
      spans[2 * i + 1] = group.get(i).e;
    }
    int[] cov = OffsetSet.ivsOf(spans, group.size());
    return OffsetSet.minus(cov, OffsetSet.invisibleIn(cov, chars));
  }

  static boolean hasUnk(List<Piece> group) {
    for (Piece p : group) {
      if (p.piece.equals(UNK)) {
        return true;
      }
    }
    return false;
  }

  static boolean samePieces(List<Piece> a, List<Piece> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).piece.equals(b.get(i).piece)) {
        return false;
      }
    }
    return true;
  }
}
