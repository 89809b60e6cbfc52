package hfparity.explain;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * The one place that turns values into the text of a report's {@code cause_evidence}: every
 * quoted string, number, probability list, character run and piece list in evidence comes from
 * here, so the format has a single definition. The format (ours):
 *
 * <ul>
 *   <li><b>absent value</b> ({@link #value}, {@link #quote}, {@link #probabilities} of null):
 *       {@code None}.
 *   <li><b>plain value</b> ({@link #value}): a status, label or count as it is, unquoted.
 *   <li><b>quoted text</b> ({@link #quote}): in single quotes, or in double quotes when the text
 *       holds a single quote and no double quote. Inside, a backslash and the chosen quote get a
 *       backslash before them; tab, newline and carriage return are written <code>&#92;t</code>,
 *       <code>&#92;n</code>, <code>&#92;r</code>; any other code point that does not show as
 *       text (Java's categories Cc, Cf, Cs, Co, Cn, Zl, Zp, and Zs other than the ASCII space)
 *       is written <code>&#92;xNN</code> up to U+00FF, <code>&#92;uNNNN</code> up to U+FFFF,
 *       else <code>&#92;UNNNNNNNN</code> (lowercase hex), so an NBSP or a zero-width space is
 *       visible in the report. Everything else appears as is.
 *   <li><b>number</b> ({@link #number}): {@code digits} significant digits (3 unless said),
 *       rounded half-even, trailing zeros dropped; positional when 1e-4 &lt;= |x| &lt;
 *       10^digits once rounded ({@code 0.05}, {@code 0.000123}, {@code 12}), else scientific
 *       with a signed exponent of at least two digits ({@code 2e-08}, {@code 1.5e+03}); {@code
 *       nan}, {@code inf}, {@code -inf}; a negative zero keeps its sign.
 *   <li><b>probability list</b> ({@link #probabilities}): {@code [a, b, ...]}, each the shortest
 *       decimal that reads back as the same double, positional with at least one digit after the
 *       point when 1e-4 &lt;= |x| &lt; 1e16 ({@code 0.3}, {@code 1.0}), else scientific as above
 *       ({@code 1.5e-05}). Why not Double.toString: it writes {@code 1.0E-5} and, before Java 19,
 *       is not always the shortest.
 *   <li><b>character runs</b> ({@link #runs}): up to three runs, each as quoted text then {@code
 *       at [begin,end)} (code-point offsets), comma-separated, then {@code and N more}; a
 *       character no word text covers shows as {@code ?}.
 *   <li><b>piece list</b> ({@link #pieces}): each piece string in single quotes, unescaped,
 *       space-separated ({@code 'don' ''' 't'}), or {@code nothing} for none.
 *   <li><b>digest</b> ({@link #digest}): its first 12 code points and an ellipsis.
 *   <li><b>count</b> ({@link #count}): the number and the noun, with an {@code s} unless 1.
 *   <li>integers (indexes, offsets, lengths) inside sentences: plain decimal.
 * </ul>
 *
 * <p>Character categories are the running JVM's (Java 17: Unicode 13), so a code point assigned
 * in a later Unicode version is escaped as unassigned.
 */
public final class Evidence {
  /** Character runs shown before "and N more". */
  static final int RUNS_SHOWN = 3;
  private static final int DIGEST_SHOWN = 12;

  private Evidence() {}

  /** A plain value: {@code None} for null, else as it is. */
  public static String value(Object v) {
    return v == null ? "None" : v.toString();
  }

  /** Quoted text (see the class javadoc for quotes and escapes). */
  public static String quote(String s) {
    if (s == null) {
      return "None";
    }
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder out = new StringBuilder(s.length() + 2);
    out.append(quote);
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == quote || cp == '\\') {
        out.append('\\').append((char) cp);
      } else if (cp == '\t') {
        out.append("\\t");
      } else if (cp == '\n') {
        out.append("\\n");
      } else if (cp == '\r') {
        out.append("\\r");
      } else if (shows(cp)) {
        out.appendCodePoint(cp);
      } else if (cp <= 0xFF) {
        hex(out, "\\x", cp, 2);
      } else if (cp <= 0xFFFF) {
        hex(out, "\\u", cp, 4);
      } else {
        hex(out, "\\U", cp, 8);
      }
    }
    return out.append(quote).toString();
  }

  /** Whether a code point shows as text, i.e. is left unescaped by {@link #quote}. */
  static boolean shows(int cp) {
    if (cp == ' ') {
      return true;
    }
    switch (Character.getType(cp)) {
      case Character.CONTROL:
      case Character.FORMAT:
      case Character.SURROGATE:
      case Character.PRIVATE_USE:
      case Character.UNASSIGNED:
      case Character.LINE_SEPARATOR:
      case Character.PARAGRAPH_SEPARATOR:
      case Character.SPACE_SEPARATOR:
        return false;
      default:
        return true;
    }
  }

  private static void hex(StringBuilder out, String prefix, int cp, int width) {
    String h = Integer.toHexString(cp);
    out.append(prefix);
    for (int k = h.length(); k < width; k++) {
      out.append('0');
    }
    out.append(h);
  }

  /** A number with 3 significant digits. */
  public static String number(double x) {
    return number(x, 3);
  }

  /** A number with {@code digits} significant digits (see the class javadoc). */
  public static String number(double x, int digits) {
    if (Double.isNaN(x)) {
      return "nan";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    int p = Math.max(1, digits);
    String sign = Double.doubleToRawLongBits(x) < 0 ? "-" : "";
    if (x == 0) {
      return sign + "0";
    }
    BigDecimal d = new BigDecimal(Math.abs(x)).round(new MathContext(p, RoundingMode.HALF_EVEN));
    return sign + layout(d, p, false);
  }

  /** A probability list, {@code None} for null (see the class javadoc). */
  public static String probabilities(double[] xs) {
    if (xs == null) {
      return "None";
    }
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < xs.length; i++) {
      if (i > 0) {
        out.append(", ");
      }
      out.append(shortest(xs[i]));
    }
    return out.append(']').toString();
  }

  /** The shortest decimal that reads back as {@code x}. */
  static String shortest(double x) {
    if (Double.isNaN(x)) {
      return "nan";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    String sign = Double.doubleToRawLongBits(x) < 0 ? "-" : "";
    if (x == 0) {
      return sign + "0.0";
    }
    double a = Math.abs(x);
    BigDecimal exact = new BigDecimal(a);
    BigDecimal best = null;
    for (int p = 1; p <= 17 && best == null; p++) {
      BigDecimal near = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
      if (Double.parseDouble(near.toString()) == a) {
        best = near;
      } else {
        RoundingMode other = near.compareTo(exact) < 0 ? RoundingMode.CEILING : RoundingMode.FLOOR;
        BigDecimal far = exact.round(new MathContext(p, other));
        if (Double.parseDouble(far.toString()) == a) {
          best = far;
        }
      }
    }
    return sign + layout(best, 16, true);
  }

  /**
   * A positive decimal laid out positionally when its exponent is in [-4, positionalBelow),
   * else in scientific form; {@code pointZero} keeps ".0" on whole numbers.
   */
  private static String layout(BigDecimal d, int positionalBelow, boolean pointZero) {
    String digits = d.unscaledValue().toString();
    int exp = digits.length() - 1 - d.scale();
    int end = digits.length();
    while (end > 1 && digits.charAt(end - 1) == '0') {
      end--;
    }
    digits = digits.substring(0, end);
    StringBuilder out = new StringBuilder();
    if (exp < -4 || exp >= positionalBelow) {
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      out.append('e').append(exp < 0 ? '-' : '+');
      int e = Math.abs(exp);
      return out.append(e < 10 ? "0" : "").append(e).toString();
    }
    if (exp < 0) {
      out.append("0.");
      for (int k = -1; k > exp; k--) {
        out.append('0');
      }
      return out.append(digits).toString();
    }
    if (digits.length() <= exp + 1) {
      out.append(digits);
      for (int k = digits.length(); k <= exp; k++) {
        out.append('0');
      }
      return pointZero ? out.append(".0").toString() : out.toString();
    }
    return out.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length())
        .toString();
  }

  /**
   * Character runs: {@code runs} holds sorted [begin, end) pairs flat; {@code charAt} gives the
   * code point at an offset, negative when unknown.
   */
  public static String runs(int[] runs, IntUnaryOperator charAt) {
    StringBuilder out = new StringBuilder();
    int count = runs.length / 2;
    for (int r = 0; r < Math.min(count, RUNS_SHOWN); r++) {
      int b = runs[2 * r];
      int e = runs[2 * r + 1];
      StringBuilder text = new StringBuilder(e - b);
      for (int p = b; p < e; p++) {
        int cp = charAt.applyAsInt(p);
        text.appendCodePoint(cp >= 0 ? cp : '?');
      }
      if (r > 0) {
        out.append(", ");
      }
      out.append(quote(text.toString())).append(" at [").append(b).append(',').append(e)
          .append(')');
    }
    if (count > RUNS_SHOWN) {
      out.append(" and ").append(count - RUNS_SHOWN).append(" more");
    }
    return out.toString();
  }

  /** A piece list: {@code 'a' 'b'}, or {@code nothing}. */
  public static String pieces(List<String> pieces) {
    if (pieces.isEmpty()) {
      return "nothing";
    }
    StringBuilder out = new StringBuilder();
    for (String p : pieces) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append('\'').append(p).append('\'');
    }
    return out.toString();
  }

  /** A digest (a sha256 hex): its first 12 code points and an ellipsis. */
  public static String digest(String s) {
    String head = s;
    if (s.codePointCount(0, s.length()) > DIGEST_SHOWN) {
      head = s.substring(0, s.offsetByCodePoints(0, DIGEST_SHOWN));
    }
    return head + "\u2026";
  }

  /** A count and its noun: {@code 1 piece}, {@code 2 pieces}. */
  public static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
