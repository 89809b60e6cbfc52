package hfparity.explain;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The Unicode rules attribution compares text by, from the JVM's own Unicode data
 * (Character.getType, java.text.Normalizer NFD, toLowerCase(Locale.ROOT); Java 17 has Unicode
 * 13): lowercasing, BERT's accent stripping, and the invisible characters (Mn, Cf, Cc) a
 * tokenizer's normalizer may drop. The Python home of these classes, and of how they differ
 * from the fix's (format characters: Cf, Co, Cc but tab and line breaks), is
 * parity_core/families/unicode.py; tests/parity_core/families/test_unicode.py sweeps every code
 * point through both.
 */
final class Chars {
  private Chars() {}

  static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** Lowercase by the JVM's Unicode rules, locale-neutral (a Turkish locale must not matter). */
  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** Canonical decomposition; ASCII has none, so it is returned as is. */
  static String nfd(String s) {
    return isAscii(s) ? s : Normalizer.normalize(s, Normalizer.Form.NFD);
  }

  /** A nonspacing mark (Mn): what BERT's strip_accents drops after NFD. */
  static boolean isMn(int cp) {
    return Character.getType(cp) == Character.NON_SPACING_MARK;
  }

  /** Mn, Cf or Cc: a character a normalizer may drop without changing what the text shows. */
  static boolean isInvisible(int cp) {
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.FORMAT
        || type == Character.CONTROL;
  }

  /** Length in code points, the unit of every offset in a record. */
  static int codePoints(String s) {
    return s.codePointCount(0, s.length());
  }

  /** NFD and drop nonspacing marks (BERT's strip_accents). */
  static String deaccent(String text) {
    if (isAscii(text)) {
      return text;
    }
    return dropMarks(nfd(text), false);
  }

  /** Drop Mn (and Cf/Cc too when {@code invisible}) code points. */
  static String dropMarks(String s, boolean invisible) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      boolean drop = invisible ? isInvisible(cp) : isMn(cp);
      if (drop && out == null) {
        out = new StringBuilder(s.length());
        out.append(s, 0, i);
      } else if (!drop && out != null) {
        out.appendCodePoint(cp);
      }
      i += n;
    }
    return out == null ? s : out.toString();
  }

  /** Lowercase, strip accents, drop format/control characters. */
  static String fold(String text) {
    return dropMarks(deaccent(lower(text)), true);
  }

  /** Whether lowercasing changes the text. */
  static boolean hasUpper(String text) {
    return !text.equals(lower(text));
  }

  /** Whether stripping accents changes the text. */
  static boolean hasAccent(String text) {
    return !deaccent(text).equals(text);
  }

  /** Invisible (Mn, Cf, Cc) on a char-map lookup; -1 (unknown) is never invisible. */
  static boolean invisible(int cp) {
    return cp >= 0 && isInvisible(cp);
  }

  /** A Unicode separator other than the ASCII space: Zs (NBSP, U+3000...), Zl, Zp. */
  static boolean isSeparator(int cp) {
    int type = Character.getType(cp);
    return cp != ' ' && (type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR);
  }
}
