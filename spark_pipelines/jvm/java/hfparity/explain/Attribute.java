package hfparity.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Attribute a disagreement between two prediction records to the first stage where they part
 * (compare/attribution.py): status, text, words, pieces, truncation, numerics, boundary.
 *
 * <p>A line-by-line port kept byte-identical to Python, evidence strings included, so a Spark
 * job can attribute rows on the JVM and still match reports made by the Python UDF. Offsets are
 * code points, end exclusive; character sets are kept as sorted interval arrays, not boxed sets.
 * Stateless and thread-safe.
 */
public final class Attribute {
  private Attribute() {}

  public static final String STATUS = "status";
  public static final String TEXT = "text";
  public static final String WORDS = "words";
  public static final String PIECES = "pieces";
  public static final String TRUNCATION = "truncation";
  public static final String NUMERICS = "numerics";
  public static final String BOUNDARY = "boundary";
  public static final String UNDETERMINED = "undetermined";

  public static final String LOWERCASE_ONE_SIDE = "lowercase_one_side";
  public static final String ACCENT_ONE_SIDE = "accent_one_side";
  public static final String UNKNOWN_TOKEN = "unknown_token";
  public static final String PIECES_DROPPED = "pieces_dropped";
  public static final String SPLIT_DIFFERENTLY = "split_differently";
  public static final String OTHER = "other";
  public static final String MISSING = "missing";
  public static final String PIECES_NOT_RECORDED = "pieces_not_recorded";

  public static final String REPRODUCED = "reproduced";
  public static final String NOT_REPRODUCED = "not_reproduced";

  private static final String UNK = "[UNK]";
  private static final int HF_MAX_CHARS_PER_WORD = 100;
  private static final String OK = "ok";

  /**
   * attribution.attribute: the first stage where {@code left} and {@code right} part; a Cause
   * with null cause when they agree. A non-null {@code cfVerdict} stands for the counterfactual
   * row {cf_verdict, cf_max_abs_delta}: it is checked against the cause and quoted.
   */
  public static Cause attribute(Record left, Record right, double tolerance, String cfVerdict,
      Double cfMaxAbsDelta) {
    List<String> notes = new ArrayList<>(2);
    Cause found = status(left, right);
    if (found == null && left != null && right != null) {
      CharMap chars = new CharMap(left.words, right.words);
      found = text(left, right);
      if (found == null) {
        found = words(left, right, chars, notes);
      }
      if (found == null) {
        found = pieces(left, right, chars, notes, tolerance);
      }
      if (found == null) {
        found = scores(left, right, tolerance);
      }
    }
    if (found == null) {
      return new Cause(null, null, null, null, join(null, notes), null);
    }
    String evidence = join(found.evidence, notes);
    Boolean consistent = null;
    if (cfVerdict != null) {
      consistent = verdictAgrees(found.cause, cfVerdict);
      boolean shown = cfMaxAbsDelta != null && !cfMaxAbsDelta.isNaN();
      evidence += "; counterfactual on right pieces: " + cfVerdict
          + (shown ? " (max |\u0394p| " + PyText.formatG(cfMaxAbsDelta, 3) + ")" : "");
      if (Boolean.FALSE.equals(consistent)) {
        evidence += ", which contradicts cause " + found.cause;
      }
    }
    return new Cause(found.cause, found.subCause, found.word, found.position, evidence,
        consistent);
  }

  /**
   * verdict.verdict_agrees: numerics iff not_reproduced; text/words/pieces/truncation/boundary
   * iff reproduced; null when there is nothing to check (no cause, a status cause, a failed
   * re-run).
   */
  public static Boolean verdictAgrees(String cause, String verdict) {
    if (cause == null || !(REPRODUCED.equals(verdict) || NOT_REPRODUCED.equals(verdict))) {
      return null;
    }
    if (cause.equals(NUMERICS)) {
      return NOT_REPRODUCED.equals(verdict);
    }
    switch (cause) {
      case TEXT:
      case WORDS:
      case PIECES:
      case TRUNCATION:
      case BOUNDARY:
        return REPRODUCED.equals(verdict);
      default:
        return null;
    }
  }

  private static String join(String first, List<String> notes) {
    if (notes.isEmpty()) {
      return first == null ? "" : first;
    }
    StringBuilder out = new StringBuilder();
    if (first != null) {
      out.append(first);
    }
    for (int i = 0; i < notes.size(); i++) {
      if (i > 0 || first != null) {
        out.append("; ");
      }
      out.append(notes.get(i));
    }
    return out.toString();
  }

  private static Cause cause(String cause, String sub, String word, Integer position,
      String evidence) {
    return new Cause(cause, sub, word, position, evidence, null);
  }

  private static String str(Object value) {
    return value == null ? "None" : value.toString();
  }

  private static boolean truthy(String s) {
    return s != null && !s.isEmpty();
  }

  // --- text helpers -----------------------------------------------------------------------

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** attribution._deaccent: NFD and drop nonspacing marks (BERT's strip_accents). */
  static String deaccent(String text) {
    if (isAscii(text)) {
      return text;
    }
    return dropMarks(PyText.nfd(text), false);
  }

  /** Drop Mn (and Cf/Cc too when {@code invisible}) code points. */
  private static String dropMarks(String s, boolean invisible) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      boolean drop = invisible ? PyText.isInvisible(cp) : PyText.isMn(cp);
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

  /** attribution._fold: lowercase, strip accents, drop format/control characters. */
  static String fold(String text) {
    return dropMarks(deaccent(PyText.lower(text)), true);
  }

  /** attribution._has_upper. */
  static boolean hasUpper(String text) {
    return !text.equals(PyText.lower(text));
  }

  /** attribution._has_accent. */
  static boolean hasAccent(String text) {
    return !deaccent(text).equals(text);
  }

  /** attribution._is_invisible on a char-map lookup (-1: unknown, never invisible). */
  private static boolean invisible(int cp) {
    return cp >= 0 && PyText.isInvisible(cp);
  }

  // --- char map ---------------------------------------------------------------------------

  /**
   * attribution._char_map: code point at each offset, rebuilt from word texts (left words
   * first), built on first use since most agreeing rows never look. Dense array over the
   * offsets the words span; a hash map only when offsets are sparse far beyond the text.
   */
  static final class CharMap {
    private final List<Token> left;
    private final List<Token> right;
    private boolean built;
    private int lo;
    private int hi;
    private int[] dense;
    private Map<Integer, Integer> sparse;

    CharMap(List<Token> left, List<Token> right) {
      this.left = left;
      this.right = right;
    }

    private static boolean valid(Token w) {
      return w.begin != null && w.end != null && w.text != null
          && (long) w.end - w.begin == PyText.len(w.text);
    }

    private void build() {
      built = true;
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      long total = 0;
      for (List<Token> words : Arrays.asList(left, right)) {
        if (words == null) {
          continue;
        }
        for (Token w : words) {
          if (valid(w) && w.end > w.begin) {
            min = Math.min(min, w.begin);
            max = Math.max(max, w.end);
            total += w.end - w.begin;
          }
        }
      }
      if (total == 0) {
        return;
      }
      lo = (int) min;
      hi = (int) max;
      if (max - min <= 2 * total + 1024) {
        dense = new int[hi - lo];
        Arrays.fill(dense, -1);
      } else {
        sparse = new HashMap<>();
      }
      for (List<Token> words : Arrays.asList(left, right)) {
        if (words == null) {
          continue;
        }
        for (Token w : words) {
          if (!valid(w)) {
            continue;
          }
          int p = w.begin;
          String t = w.text;
          for (int i = 0; i < t.length(); p++) {
            int cp = t.codePointAt(i);
            i += Character.charCount(cp);
            if (dense != null) {
              if (dense[p - lo] < 0) {
                dense[p - lo] = cp;
              }
            } else {
              sparse.putIfAbsent(p, cp);
            }
          }
        }
      }
    }

    /** Code point at offset p, -1 when no word text covers it. */
    int get(int p) {
      if (!built) {
        build();
      }
      if (p < lo || p >= hi) {
        return -1;
      }
      if (dense != null) {
        return dense[p - lo];
      }
      if (sparse == null) {
        return -1;
      }
      Integer cp = sparse.get(p);
      return cp == null ? -1 : cp;
    }

    /** First offset that may be known (offsets outside [lo(), hi()) are unknown). */
    int lo() {
      if (!built) {
        build();
      }
      return lo;
    }

    int hi() {
      if (!built) {
        build();
      }
      return hi;
    }
  }

  /** attribution._span_text: text of [begin, end) between its first and last known chars. */
  private static String spanText(int begin, int end, CharMap chars) {
    int from = Math.max(begin, chars.lo());
    int to = Math.min(end, chars.hi());
    int first = -1;
    int last = -1;
    for (int p = from; p < to; p++) {
      if (chars.get(p) >= 0) {
        first = p;
        break;
      }
    }
    if (first < 0) {
      return null;
    }
    for (int p = to - 1; p >= first; p--) {
      if (chars.get(p) >= 0) {
        last = p;
        break;
      }
    }
    StringBuilder out = new StringBuilder(last - first + 1);
    for (int p = first; p <= last; p++) {
      int cp = chars.get(p);
      out.appendCodePoint(cp >= 0 ? cp : ' ');
    }
    return out.toString();
  }

  // --- sets of offsets as sorted, disjoint, non-adjacent [begin, end) pairs ----------------

  private static final int[] EMPTY = new int[0];

  /** Grows a flat interval list, merging an interval that touches the last one. */
  private static final class IvBuilder {
    int[] a = new int[8];
    int n;

    void add(int b, int e) {
      if (e <= b) {
        return;
      }
      if (n > 0 && b <= a[n - 1]) {
        a[n - 1] = Math.max(a[n - 1], e);
        return;
      }
      if (n + 2 > a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[n++] = b;
      a[n++] = e;
    }

    int[] done() {
      return n == 0 ? EMPTY : Arrays.copyOf(a, n);
    }
  }

  /** The set of offsets covered by [begin, end) spans given as flat pairs, in any order. */
  private static int[] ivsOf(int[] spans, int count) {
    boolean sorted = true;
    for (int i = 2; i < 2 * count; i += 2) {
      if (spans[i] < spans[i - 2]) {
        sorted = false;
        break;
      }
    }
    IvBuilder out = new IvBuilder();
    if (sorted) {
      for (int i = 0; i < 2 * count; i += 2) {
        out.add(spans[i], spans[i + 1]);
      }
    } else {
      long[] keys = new long[count];
      for (int i = 0; i < count; i++) {
        keys[i] = sortKey(spans[2 * i], spans[2 * i + 1]);
      }
      Arrays.sort(keys);
      for (long k : keys) {
        out.add(keyBegin(k), keyEnd(k));
      }
    }
    return out.done();
  }

  /** A long that sorts as the pair (begin, end) does, signed ints included. */
  private static long sortKey(int begin, int end) {
    return ((long) begin << 32) | ((long) end - Integer.MIN_VALUE);
  }

  private static int keyBegin(long key) {
    return (int) (key >> 32);
  }

  private static int keyEnd(long key) {
    return (int) ((key & 0xFFFFFFFFL) + Integer.MIN_VALUE);
  }

  /** Offsets covered by tokens with both offsets (attribution._word_positions, as a set). */
  private static int[] coverage(List<Token> tokens) {
    int[] spans = new int[2 * tokens.size()];
    int count = 0;
    for (Token t : tokens) {
      if (t.begin != null && t.end != null) {
        spans[2 * count] = t.begin;
        spans[2 * count + 1] = t.end;
        count++;
      }
    }
    return ivsOf(spans, count);
  }

  /** a - b. */
  private static int[] minus(int[] a, int[] b) {
    if (a.length == 0 || b.length == 0) {
      return a;
    }
    IvBuilder out = new IvBuilder();
    int j = 0;
    for (int i = 0; i < a.length; i += 2) {
      int cur = a[i];
      int end = a[i + 1];
      while (j < b.length && b[j + 1] <= cur) {
        j += 2;
      }
      for (int k = j; k < b.length && b[k] < end; k += 2) {
        if (b[k] > cur) {
          out.add(cur, b[k]);
        }
        cur = Math.max(cur, b[k + 1]);
        if (cur >= end) {
          break;
        }
      }
      if (cur < end) {
        out.add(cur, end);
      }
    }
    return out.done();
  }

  /** a | b. */
  private static int[] union(int[] a, int[] b) {
    if (a.length == 0) {
      return b;
    }
    if (b.length == 0) {
      return a;
    }
    IvBuilder out = new IvBuilder();
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] <= b[j])) {
        out.add(a[i], a[i + 1]);
        i += 2;
      } else {
        out.add(b[j], b[j + 1]);
        j += 2;
      }
    }
    return out.done();
  }

  /** Offsets of {@code set} whose known character is invisible, as a set. */
  private static int[] invisibleIn(int[] set, CharMap chars) {
    if (set.length == 0) {
      return EMPTY;
    }
    IvBuilder out = new IvBuilder();
    int lo = chars.lo();
    int hi = chars.hi();
    for (int i = 0; i < set.length; i += 2) {
      for (int p = Math.max(set[i], lo), end = Math.min(set[i + 1], hi); p < end; p++) {
        if (invisible(chars.get(p))) {
          out.add(p, p + 1);
        }
      }
    }
    return out.done();
  }

  /** Whether [b, e) meets the set. */
  private static boolean meets(int[] set, int b, int e) {
    for (int i = 0; i < set.length; i += 2) {
      if (set[i + 1] > b) {
        return set[i] < e && b < e;
      }
    }
    return false;
  }

  /** attribution._show_runs: up to {@code limit} runs as 'text' at [b,e), then a count. */
  private static String showRuns(int[] set, CharMap chars) {
    final int limit = 3;
    StringBuilder out = new StringBuilder();
    int runs = set.length / 2;
    for (int r = 0; r < Math.min(runs, limit); r++) {
      int b = set[2 * r];
      int e = set[2 * r + 1];
      StringBuilder text = new StringBuilder(e - b);
      for (int p = b; p < e; p++) {
        int cp = chars.get(p);
        text.appendCodePoint(cp >= 0 ? cp : '?');
      }
      if (r > 0) {
        out.append(", ");
      }
      out.append(PyText.repr(text.toString())).append(" at [").append(b).append(',').append(e)
          .append(')');
    }
    if (runs > limit) {
      out.append(" and ").append(runs - limit).append(" more");
    }
    return out.toString();
  }

  private static String plural(int count, String noun) {
    return count + " " + noun + (count == 1 ? "" : "s");
  }

  // --- stages -----------------------------------------------------------------------------

  /** attribution._status: a missing or unscored side; same non-error status on both agrees. */
  private static Cause status(Record l, Record r) {
    if (l == null || r == null) {
      return cause(STATUS, MISSING, null, null, "no " + (l == null ? "left" : "right") + " record");
    }
    String ls = l.status;
    String rs = r.status;
    if (OK.equals(ls) && OK.equals(rs)) {
      return null;
    }
    if (Objects.equals(ls, rs) && !"error".equals(ls)) {
      return null;
    }
    String sub = !OK.equals(ls) ? ls : rs;
    String evidence = "left " + str(ls) + (truthy(l.error) ? " (" + l.error + ")" : "")
        + " vs right " + str(rs) + (truthy(r.error) ? " (" + r.error + ")" : "");
    return cause(STATUS, sub, null, null, evidence);
  }

  /** attribution._text: text_length or text_sha256 differ. */
  private static Cause text(Record l, Record r) {
    String parts = null;
    if (l.textLength != null && r.textLength != null && !l.textLength.equals(r.textLength)) {
      parts = "text_length " + l.textLength + " vs " + r.textLength;
    }
    if (l.textSha256 != null && r.textSha256 != null && !l.textSha256.equals(r.textSha256)) {
      String sha = "sha256 " + PyText.head(l.textSha256, 12) + "\u2026 vs "
          + PyText.head(r.textSha256, 12) + "\u2026";
      parts = parts == null ? sha : parts + "; " + sha;
    }
    return parts == null ? null : cause(TEXT, null, null, null, parts);
  }

  /** attribution._words: text lost or added at word level; different segmentation is noted. */
  private static Cause words(Record l, Record r, CharMap chars, List<String> notes) {
    List<Token> lw = l.words;
    List<Token> rw = r.words;
    if (lw == null || rw == null) {
      notes.add("words not recorded on " + (lw == null ? "left" : "right")
          + ": word stage skipped");
      return null;
    }
    int[] lcov = coverage(lw);
    int[] rcov = coverage(rw);
    int[] onlyL = EMPTY;
    int[] onlyR = EMPTY;
    int[] marks = EMPTY;
    if (!Arrays.equals(lcov, rcov)) {
      int[] lminus = minus(lcov, rcov);
      int[] rminus = minus(rcov, lcov);
      marks = invisibleIn(union(lminus, rminus), chars);
      onlyL = minus(lminus, marks);
      onlyR = minus(rminus, marks);
    }
    if (marks.length > 0) {
      notes.add("invisible characters (combining marks, format, control) covered by one side's "
          + "words only: " + showRuns(marks, chars) + "; judged at piece level");
    }
    if (onlyL.length == 0 && onlyR.length == 0) {
      if (marks.length == 0) {
        int first = firstSpanDifference(lw, rw);
        if (first >= 0) {
          notes.add("words split differently from left word " + first + " ("
              + spanCount(lw) + " left words vs " + spanCount(rw) + " right), same characters: "
              + "not a cause (the model sees pieces)");
        }
      }
      return null;
    }
    int first = onlyL.length == 0 ? onlyR[0]
        : onlyR.length == 0 ? onlyL[0] : Math.min(onlyL[0], onlyR[0]);
    WordAt at = wordAt(first, lw, rw);
    String evidence = null;
    if (onlyL.length > 0) {
      evidence = "only in left words: " + showRuns(onlyL, chars);
    }
    if (onlyR.length > 0) {
      String part = "only in right words: " + showRuns(onlyR, chars);
      evidence = evidence == null ? part : evidence + "; " + part;
    }
    return cause(WORDS, null, at.text, at.position, evidence);
  }

  private static int spanCount(List<Token> words) {
    int n = 0;
    for (Token w : words) {
      if (w.begin != null && w.end != null) {
        n++;
      }
    }
    return n;
  }

  /** Index of the first differing (begin, end) among words with spans; -1 if the lists match. */
  private static int firstSpanDifference(List<Token> lw, List<Token> rw) {
    int i = 0;
    int j = 0;
    int index = 0;
    while (true) {
      while (i < lw.size() && !lw.get(i).hasSpan()) {
        i++;
      }
      while (j < rw.size() && !rw.get(j).hasSpan()) {
        j++;
      }
      boolean lend = i >= lw.size();
      boolean rend = j >= rw.size();
      if (lend && rend) {
        return -1;
      }
      if (lend || rend) {
        return index;
      }
      Token a = lw.get(i);
      Token b = rw.get(j);
      if (!a.begin.equals(b.begin) || !a.end.equals(b.end)) {
        return index;
      }
      i++;
      j++;
      index++;
    }
  }

  private static final class WordAt {
    final String text;
    final int position;

    WordAt(String text, int position) {
      this.text = text;
      this.position = position;
    }
  }

  /**
   * attribution._word_at: text of the word holding {@code ch} (left first) and the index of
   * that left word, or of the first left word after it.
   */
  private static WordAt wordAt(int ch, List<Token> lw, List<Token> rw) {
    for (int i = 0; i < lw.size(); i++) {
      Token w = lw.get(i);
      if (w.hasSpan() && w.begin <= ch && ch < w.end) {
        return new WordAt(w.text, i);
      }
    }
    int position = lw.size();
    for (int i = 0; i < lw.size(); i++) {
      Token w = lw.get(i);
      if (w.hasSpan() && w.begin > ch) {
        position = i;
        break;
      }
    }
    for (Token w : rw) {
      if (w.hasSpan() && w.begin <= ch && ch < w.end) {
        return new WordAt(w.text, position);
      }
    }
    return new WordAt(null, position);
  }

  /** attribution._Piece: a model-input piece with its index in the record's list. */
  private static final class Piece {
    final int index;
    final String piece;
    final Integer id;
    final Integer begin;
    final Integer end;
    /** span(): range(begin or 0, end or 0). */
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
  }

  private static boolean isSpecial(String piece) {
    if (piece == null || piece.length() < 5 || piece.charAt(0) != '[') {
      return false;
    }
    switch (piece) {
      case "[CLS]":
      case "[SEP]":
      case "[PAD]":
      case "[MASK]":
        return true;
      default:
        return false;
    }
  }

  /** attribution._real_pieces: pieces without the offsetless special ones. */
  private static List<Piece> realPieces(List<Token> pieces) {
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

  private static boolean sameKey(Piece a, Piece b, boolean useIds) {
    return useIds ? a.id.equals(b.id) : a.piece.equals(b.piece);
  }

  private static boolean sameKeys(List<Piece> a, List<Piece> b, boolean useIds) {
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

  /** attribution._surface: the pieces' characters, "##" continuation marks removed. */
  private static String surface(List<Piece> pieces) {
    if (pieces.size() == 1) {
      return strip(pieces.get(0).piece);
    }
    StringBuilder out = new StringBuilder();
    for (Piece p : pieces) {
      out.append(strip(p.piece));
    }
    return out.toString();
  }

  private static String strip(String piece) {
    return piece.startsWith("##") && piece.length() > 2 ? piece.substring(2) : piece;
  }

  /** attribution._show_pieces: 'a' 'b' (not repr), or nothing. */
  private static String showPieces(List<Piece> pieces) {
    if (pieces.isEmpty()) {
      return "nothing";
    }
    StringBuilder out = new StringBuilder();
    for (Piece p : pieces) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append('\'').append(p.piece).append('\'');
    }
    return out.toString();
  }

  /** attribution._truncated: the flag, else more pieces before truncation than kept. */
  private static boolean truncated(Record rec) {
    if (rec.truncated != null) {
      return rec.truncated;
    }
    int kept = rec.pieces == null ? 0 : rec.pieces.size();
    return rec.pieceCount != null && rec.pieceCount > kept;
  }

  /**
   * attribution._pieces: kept pieces that differ before either side's truncation point, else
   * different numbers of kept pieces (truncation).
   */
  private static Cause pieces(Record l, Record r, CharMap chars, List<String> notes,
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
          "pieces not recorded on " + missing + (truthy(note) ? " (" + note + ")" : "")
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

  /** attribution._clusters: maximal spans joined by overlapping words or pieces. */
  private static int[] clusters(List<Piece> lkept, List<Piece> rkept, List<Token> lw,
      List<Token> rw) {
    int n = lkept.size() + rkept.size() + (lw == null ? 0 : lw.size())
        + (rw == null ? 0 : rw.size());
    long[] keys = new long[n];
    int[] runEnds = new int[4];
    int count = 0;
    for (int side = 0; side < 2; side++) {
      for (Piece p : side == 0 ? lkept : rkept) {
        keys[count++] = sortKey(p.b, Math.max(p.e, p.b + 1));
      }
      runEnds[side] = count;
    }
    for (int side = 0; side < 2; side++) {
      List<Token> words = side == 0 ? lw : rw;
      if (words != null) {
        for (Token w : words) {
          if (w.begin != null && w.end != null && w.end > w.begin) {
            keys[count++] = sortKey(w.begin, w.end);
          }
        }
      }
      runEnds[2 + side] = count;
    }
    keys = sorted(keys, count, runEnds);
    int[] merged = new int[2 * count];
    int m = 0;
    for (int i = 0; i < count; i++) {
      int b = keyBegin(keys[i]);
      int e = keyEnd(keys[i]);
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

  /** One cluster: its span and each side's pieces in it (attribution's groups triples). */
  private static final class Group {
    final int begin;
    final int end;
    final List<Piece> left = new ArrayList<>(2);
    final List<Piece> right = new ArrayList<>(2);

    Group(int begin, int end) {
      this.begin = begin;
      this.end = end;
    }

    List<Piece> side(int side) {
      return side == 0 ? left : right;
    }
  }

  /** attribution._first_piece_difference: group pieces by cluster, classify the first gap. */
  private static Cause firstPieceDifference(List<Piece> lkept, List<Piece> rkept, boolean useIds,
      Record l, Record r, CharMap chars, List<Token> lp) {
    int[] spans = clusters(lkept, rkept, l.words, r.words);
    int count = spans.length / 2;
    int[] starts = new int[count];
    Group[] groups = new Group[count];
    for (int i = 0; i < count; i++) {
      starts[i] = spans[2 * i];
      groups[i] = new Group(spans[2 * i], spans[2 * i + 1]);
    }
    for (int side = 0; side < 2; side++) {
      for (Piece p : side == 0 ? lkept : rkept) {
        groups[Math.max(0, bisectRight(starts, p.b) - 1)].side(side).add(p);
      }
    }
    for (Group g : groups) {
      if (sameKeys(g.left, g.right, useIds)) {
        continue;
      }
      String[] classified = classify(g, chars, groups);
      String word = spanText(g.begin, g.end, chars);
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

  /** attribution._end_index: index of the left [SEP], or the list length. */
  private static int endIndex(List<Token> lp) {
    if (!lp.isEmpty()) {
      Token last = lp.get(lp.size() - 1);
      if (isSpecial(last.text) && last.begin == null) {
        return lp.size() - 1;
      }
    }
    return lp.size();
  }

  /** Offsets the pieces cover, invisible characters left out (attribution._classify). */
  private static int[] visibleCoverage(List<Piece> group, CharMap chars) {
    int[] spans = new int[2 * group.size()];
    for (int i = 0; i < group.size(); i++) {
      spans[2 * i] = group.get(i).b;
      spans[2 * i + 1] = group.get(i).e;
    }
    int[] cov = ivsOf(spans, group.size());
    return minus(cov, invisibleIn(cov, chars));
  }

  private static boolean hasUnk(List<Piece> group) {
    for (Piece p : group) {
      if (p.piece.equals(UNK)) {
        return true;
      }
    }
    return false;
  }

  private static boolean samePieces(List<Piece> a, List<Piece> b) {
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

  /** attribution._classify: {sub-cause, reason} for one span whose pieces differ. */
  private static String[] classify(Group g, CharMap chars, Group[] groups) {
    String source = spanText(g.begin, g.end, chars);
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
            "same characters " + PyText.repr(ls) + ", segmented differently"};
      }
      String shown = PyText.repr(ls) + " vs " + PyText.repr(rs);
      if (fold(ls).equals(fold(rs))) {
        if (!PyText.lower(ls).equals(PyText.lower(rs)) && deaccent(ls).equals(deaccent(rs))) {
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
    if (source != null && PyText.len(source) <= HF_MAX_CHARS_PER_WORD
        && fold(source).equals(fold(surface))) {
      boolean[] profile = profile(groups, lunk ? 0 : 1, chars);
      if (hasUpper(source) && !hasUpper(surface) && !profile[0]) {
        boolean ambiguous = hasAccent(PyText.lower(source)) && !profile[1];
        return new String[] {LOWERCASE_ONE_SIDE, unkSide + " kept the case of "
            + PyText.repr(source) + " (not in the vocabulary: [UNK]), the other side lowercased "
            + "it to " + PyText.repr(surface)
            + (ambiguous ? " (or kept its accents: nothing else in the row tells)" : "")};
      }
      if (hasAccent(source) && !hasAccent(surface) && !profile[1]) {
        return new String[] {ACCENT_ONE_SIDE, unkSide + " kept the accents of "
            + PyText.repr(source) + " (not in the vocabulary: [UNK]), the other side stripped "
            + "them to " + PyText.repr(surface)};
      }
    }
    String length = truthy(source) ? " (" + PyText.len(source) + " chars)" : "";
    return new String[] {UNKNOWN_TOKEN, unkSide + " has [UNK] for "
        + PyText.repr(truthy(source) ? source : surface) + length};
  }

  /**
   * attribution._profile: whether one side is seen elsewhere in the row to {lowercase, strip
   * accents}; Python's None and False both read as false here, as only "is True" is asked.
   */
  private static boolean[] profile(Group[] groups, int side, CharMap chars) {
    boolean lowercases = false;
    boolean strips = false;
    for (Group g : groups) {
      List<Piece> pieces = g.side(side);
      if (pieces.isEmpty()) {
        continue;
      }
      String source = spanText(g.begin, g.end, chars);
      if (source == null || hasUnk(pieces)) {
        continue;
      }
      String surface = surface(pieces);
      if (!fold(surface).equals(fold(source))) {
        continue;
      }
      if (!lowercases && hasUpper(source)) {
        lowercases = !hasUpper(surface);
      }
      if (!strips && hasAccent(source)) {
        strips = !hasAccent(surface);
      }
    }
    return new boolean[] {lowercases, strips};
  }

  /** attribution._dropped: characters one side's pieces cover and the other's do not. */
  private static String[] dropped(Group g, int[] lcov, int[] rcov, String source,
      CharMap chars) {
    int[] onlyL = minus(lcov, rcov);
    int[] onlyR = minus(rcov, lcov);
    String where = truthy(source) ? " from " + PyText.repr(source) : "";
    for (int pass = 0; pass < 2; pass++) {
      int[] only = pass == 0 ? onlyL : onlyR;
      int[] other = pass == 0 ? onlyR : onlyL;
      if (only.length > 0 && other.length == 0) {
        int count = 0;
        for (Piece p : pass == 0 ? g.left : g.right) {
          if (meets(only, p.b, p.e)) {
            count++;
          }
        }
        return new String[] {PIECES_DROPPED, plural(count, "piece") + " dropped" + where
            + " on " + (pass == 0 ? "right" : "left")};
      }
    }
    return new String[] {PIECES_DROPPED, "characters only left: " + showRuns(onlyL, chars)
        + "; only right: " + showRuns(onlyR, chars)};
  }

  /** attribution._pieces_by_index: fallback without offsets, piece by piece. */
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
      detail = PyText.repr(a) + " vs " + PyText.repr(b);
      if (PyText.lower(a).equals(PyText.lower(b))) {
        sub = LOWERCASE_ONE_SIDE;
      } else if (deaccent(a).equals(deaccent(b))) {
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

  /** attribution._truncation: same kept pieces up to where the shorter side stops. */
  private static Cause truncation(Record l, Record r, List<Piece> lreal, List<Piece> rreal,
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
        + " stops before " + PyText.repr(shown) + " at char " + extra.begin;
    return cause(TRUNCATION, null, shown, position, evidence);
  }

  private static String side(String name, Record rec, List<Piece> real) {
    return name + " kept " + real.size() + " pieces (" + (truncated(rec) ? "truncated" : "whole")
        + ", " + str(rec.pieceCount) + " with [CLS]/[SEP] before truncation)";
  }

  /** attribution._max_delta: max |a - b| with Python max()'s NaN behaviour; null if unpaired. */
  private static Double maxDelta(double[] a, double[] b) {
    if (a == null || b == null || a.length != b.length) {
      return null;
    }
    if (a.length == 0) {
      return 0.0;
    }
    double max = Math.abs(a[0] - b[0]);
    for (int i = 1; i < a.length; i++) {
      double d = Math.abs(a[i] - b[i]);
      if (d > max) {
        max = d;
      }
    }
    return max;
  }

  /** attribution._labels_differ: by label when either side has one, else by label_id. */
  private static boolean labelsDiffer(Record l, Record r) {
    if (l.label != null || r.label != null) {
      return !Objects.equals(l.label, r.label);
    }
    return !Objects.equals(l.labelId, r.labelId);
  }

  /** attribution._outputs_differ. */
  private static boolean outputsDiffer(Record l, Record r, double tolerance) {
    Double delta = maxDelta(l.probabilities, r.probabilities);
    return labelsDiffer(l, r) || (delta != null && delta > tolerance);
  }

  /** attribution._scores: identical input; logits (else probabilities), else the label. */
  private static Cause scores(Record l, Record r, double tolerance) {
    Double logitDelta = maxDelta(l.logits, r.logits);
    Double probDelta = maxDelta(l.probabilities, r.probabilities);
    boolean labelsDiffer = labelsDiffer(l, r);
    boolean numerics = logitDelta != null ? logitDelta > tolerance
        : probDelta != null && probDelta > tolerance;
    if (!numerics && !labelsDiffer) {
      return null;
    }
    String labels = "labels " + str(l.label) + " vs " + str(r.label);
    String tol = PyText.formatG(tolerance);
    String prob = PyText.formatG(probDelta != null ? probDelta : Double.NaN, 3);
    if (logitDelta != null && logitDelta > tolerance) {
      return cause(NUMERICS, null, null, null, "identical pieces; max |\u0394logit| "
          + PyText.formatG(logitDelta, 3) + " > tolerance " + tol + "; max |\u0394p| " + prob
          + "; " + labels);
    }
    if (logitDelta == null && probDelta != null && probDelta > tolerance) {
      return cause(NUMERICS, null, null, null, "identical pieces; logits not recorded on both "
          + "sides; max |\u0394p| " + prob + " > tolerance " + tol + "; " + labels);
    }
    return cause(BOUNDARY, null, null, null, "identical pieces; scores within tolerance " + tol
        + " (max |\u0394p| " + prob + ") but " + labels + ": left "
        + PyText.repr(l.probabilities) + " vs right " + PyText.repr(r.probabilities));
  }
}
