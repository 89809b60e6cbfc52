package hfparity;

import com.johnsnowlabs.nlp.annotators.common.TokenPiece;
import java.util.HashMap;
import java.util.Map;

/**
 * Character offsets of byte-level BPE pieces (RoBERTa), in UTF-16 units, end inclusive.
 *
 * <p>Spark NLP 5.5.3's BpeTokenizer gives each piece the offset of the previous piece's end
 * plus the length of its byte-mapped string: one character per UTF-8 byte, so after a curly
 * quote (three bytes) every later piece of the token points past its characters. Hugging Face
 * maps byte offsets back to the characters they belong to. This class does the same from the
 * pieces themselves (GPT-2's byte-to-character table inverted), so that the records' offsets
 * say which characters a piece stands for and the join aligns the two sides by them; the ids
 * fed to the model are not touched.
 */
public final class ByteLevelOffsets {
  private static final Map<Character, Integer> BYTE_OF = byteTable();

  private ByteLevelOffsets() {}

  /** GPT-2's table: printable Latin-1 bytes map to themselves, the rest to 256 + n in order. */
  private static Map<Character, Integer> byteTable() {
    Map<Character, Integer> table = new HashMap<>();
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC)
          || (b >= 0xAE && b <= 0xFF);
      table.put((char) (printable ? b : 256 + extra++), b);
    }
    return table;
  }

  /**
   * {begin, end} per piece. A token's pieces follow each other from its first piece (the one
   * marked isWordStart) at the token's begin; a piece whose characters are not all byte-mapped
   * (a special token) keeps Spark NLP's offsets and starts the count afresh after it.
   */
  public static int[][] of(TokenPiece[] pieces, int count) {
    int[][] offsets = new int[count][];
    int tokenBegin = 0;
    int units = 0; // UTF-16 units of the token's characters started so far
    int charStart = 0; // the current character's first unit, relative to the token
    int charWidth = 1; // its UTF-16 units (2 for a 4-byte UTF-8 character)
    int pendingBytes = 0; // continuation bytes the current character still owes
    for (int i = 0; i < count; i++) {
      TokenPiece piece = pieces[i];
      String text = piece.wordpiece();
      if (piece.isWordStart()) {
        tokenBegin = piece.begin();
        units = 0;
        pendingBytes = 0;
      }
      int begin = -1;
      int end = -1;
      boolean mapped = !text.isEmpty();
      for (int k = 0; k < text.length(); k++) {
        Integer b = BYTE_OF.get(text.charAt(k));
        if (b == null) {
          mapped = false;
          break;
        }
        if (pendingBytes > 0) {
          pendingBytes--; // a continuation byte: the character begun before
        } else {
          int length = b < 0xC0 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
          pendingBytes = length - 1;
          charStart = units;
          charWidth = length == 4 ? 2 : 1;
          units += charWidth;
        }
        begin = begin < 0 ? charStart : begin;
        end = charStart + charWidth - 1;
      }
      offsets[i] = mapped
          ? new int[] {tokenBegin + begin, tokenBegin + end}
          : new int[] {piece.begin(), piece.end()};
    }
    return offsets;
  }
}
