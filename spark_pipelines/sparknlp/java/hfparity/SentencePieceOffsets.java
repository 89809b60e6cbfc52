package hfparity;

import com.johnsnowlabs.nlp.annotators.common.TokenPiece;

/**
 * Character offsets of SentencePiece pieces, in UTF-16 units, end inclusive.
 *
 * <p>Spark NLP 5.5.3's SentencepieceEncoder gives a token's first piece the whole token's span
 * and every later piece a begin past the token's end. The records want the characters each
 * piece stands for, as Hugging Face's offsets give them, so that the join aligns the two sides
 * by position: a token's pieces are laid over its text in order (the `▁` marker is no
 * character). Where a piece's text is not the token's text at that place (SentencePiece's
 * NFKC normalisation changed it), that piece and the rest of the token keep the remaining span.
 * The ids fed to the model are not touched.
 */
public final class SentencePieceOffsets {
  private static final char MARKER = '\u2581';

  private SentencePieceOffsets() {}

  /** {begin, end} per piece, for the first count pieces. */
  public static int[][] of(TokenPiece[] pieces, int count) {
    int[][] offsets = new int[count][];
    int tokenBegin = 0;
    int tokenEnd = 0;
    String token = "";
    int position = 0; // UTF-16 units of the token laid out so far
    boolean lost = false; // a piece did not match the token's text: the rest share its span
    for (int i = 0; i < count; i++) {
      TokenPiece piece = pieces[i];
      if (piece.isWordStart()) {
        tokenBegin = piece.begin();
        tokenEnd = piece.end();
        token = piece.token();
        position = 0;
        lost = false;
      }
      String text = piece.wordpiece();
      int from = 0;
      while (from < text.length() && text.charAt(from) == MARKER) {
        from++;
      }
      String surface = text.substring(from);
      if (!lost && !surface.isEmpty()
          && token.regionMatches(true, position, surface, 0, surface.length())) {
        int begin = tokenBegin + position;
        offsets[i] = new int[] {begin, begin + surface.length() - 1};
        position += surface.length();
      } else {
        lost = lost || !surface.isEmpty();
        offsets[i] = new int[] {Math.min(tokenBegin + position, tokenEnd), tokenEnd};
      }
    }
    return offsets;
  }
}
