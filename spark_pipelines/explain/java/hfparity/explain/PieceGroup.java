package hfparity.explain;

import java.util.ArrayList;
import java.util.List;

/** One cluster of the pieces stage: its span and each side's pieces in it. */
final class PieceGroup {
  final int begin;
  final int end;
  final List<Piece> left = new ArrayList<>(2);
  final List<Piece> right = new ArrayList<>(2);

  PieceGroup(int begin, int end) {
    this.begin = begin;
    this.end = end;
  }

  List<Piece> side(int side) {
    return side == 0 ? left : right;
  }
}
