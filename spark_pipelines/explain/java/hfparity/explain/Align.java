package hfparity.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Two token sequences aligned by character offsets: where they agree, and where they first part
 * (the report's word_alignment, piece_alignment and first_divergence).
 *
 * <p>Comparing by offsets rather than by index keeps one split word from shifting every later
 * position. Tokens without offsets ([CLS], [SEP]) are aligned by position: leading ones pair up in
 * order, trailing ones pair up in order, any others pair with the other side's offset-less tokens
 * after the same character.
 *
 * <p>Every aligned position ({@link AlignOp}) is a run of tokens covering the same characters on
 * both sides (tokens that overlap, directly or through a token of the other side, share a run).
 *
 * <p>It runs per row over millions of rows, so each side's offsets are unboxed once, runs are
 * found by merging the two sides' offset orders (a sort only when a side is not in text order),
 * and offset-less tokens in the middle are kept as arrays, not maps.
 */
public final class Align {
  /** Tokens shown on each side of the first divergence. */
  public static final int WINDOW = 3;

  // The op names (report/schema.py ALIGN_OPS).
  public static final String EQUAL = "equal";
  public static final String CHANGED = "changed";
  public static final String SPLIT = "split";
  public static final String MERGED = "merged";
  public static final String REGROUPED = "regrouped";
  public static final String MISSING_IN_LEFT = "missing_left";
  public static final String MISSING_IN_RIGHT = "missing_right";

  private static final int NONE = -1;

  private Align() {}

  /**
   * One side, looked at once: offsets unboxed, the offset tokens in order, and
   * the offset-less tokens between the first and last offset token with the character they follow
   * (the largest end before them). Leading offset-less tokens are [0, headEnd), trailing ones
   * [tailStart, n); with no offset token at all, every token is leading.
   */
  private static final class Side {
    final Token[] tokens;
    final int n;
    final boolean[] has;
    final int[] begin;
    final int[] end;
    final int[] positioned;
    final int headEnd;
    final int tailStart;
    final int[] midAt;
    final int[] midIdx;

    Side(List<Token> list) {
      tokens = list.toArray(new Token[0]);
      n = tokens.length;
      has = new boolean[n];
      begin = new int[n];
      end = new int[n];
      int count = 0;
      int first = NONE;
      int last = NONE;
      for (int i = 0; i < n; i++) {
        Token t = tokens[i];
        Integer b = t.begin;
        Integer e = t.end;
        if (b != null && e != null) {
          has[i] = true;
          begin[i] = b;
          end[i] = e;
          count++;
          if (first == NONE) {
            first = i;
          }
          last = i;
        }
      }
      positioned = new int[count];
      if (count == 0) {
        headEnd = n;
        tailStart = n;
        midAt = new int[0];
        midIdx = midAt;
        return;
      }
      headEnd = first;
      tailStart = last + 1;
      int middles = last - first + 1 - count;
      midAt = new int[middles];
      midIdx = new int[middles];
      int p = 0;
      int m = 0;
      int after = -1;
      for (int i = first; i <= last; i++) {
        if (has[i]) {
          positioned[p++] = i;
          if (end[i] > after) {
            after = end[i];
          }
        } else {
          midAt[m] = after;
          midIdx[m++] = i;
        }
      }
    }

    String say(int i) {
      return tokens[i].say();
    }

    /** True when the offset tokens' begins never decrease, i.e. their (begin, index) order. */
    boolean inTextOrder() {
      for (int k = 1; k < positioned.length; k++) {
        if (begin[positioned[k]] < begin[positioned[k - 1]]) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * The ops (schema.ALIGN_OPS) that turn {@code left} into {@code right}, in text order;
   * null when a side has no sequence at all (an empty list is a sequence: everything is missing
   * there).
   */
  public static List<AlignOp> align(List<Token> left, List<Token> right) {
    if (left == null || right == null) {
      return null;
    }
    return new Aligner(new Side(left), new Side(right)).run();
  }

  /** One call of align: both sides and the ops found so far. */
  private static final class Aligner {
    final Side l;
    final Side r;
    final List<AlignOp> ops;
    int lm;
    int rm;

    Aligner(Side l, Side r) {
      this.l = l;
      this.r = r;
      this.ops = new ArrayList<>(Math.max(l.n, r.n) + 4);
    }

    List<AlignOp> run() {
      int lh = l.headEnd;
      int rh = r.headEnd;
      for (int k = 0, n = Math.max(lh, rh); k < n; k++) {
        ops.add(single(k < lh ? k : NONE, k < rh ? k : NONE));
      }
      runs();
      middlesUpTo(Long.MAX_VALUE);
      int lt = l.n - l.tailStart;
      int rt = r.n - r.tailStart;
      for (int k = 0, n = Math.max(lt, rt); k < n; k++) {
        ops.add(single(k < lt ? l.tailStart + k : NONE, k < rt ? r.tailStart + k : NONE));
      }
      return ops;
    }

    /**
     * Offset tokens of both sides grouped into maximal runs of overlapping character spans
     * : in (begin, side, index) order a token starts a new run when it begins at or
     * after the furthest end so far, an empty span counting as one character.
     */
    void runs() {
      int nl = l.positioned.length;
      int nr = r.positioned.length;
      int total = nl + nr;
      if (total == 0) {
        return;
      }
      long[] order = new long[total];
      if (l.inTextOrder() && r.inTextOrder()) {
        int a = 0;
        int b = 0;
        int k = 0;
        while (a < nl && b < nr) {
          int li = l.positioned[a];
          int ri = r.positioned[b];
          if (l.begin[li] <= r.begin[ri]) {
            order[k++] = key(l.begin[li], 0, li);
            a++;
          } else {
            order[k++] = key(r.begin[ri], 1, ri);
            b++;
          }
        }
        while (a < nl) {
          int li = l.positioned[a++];
          order[k++] = key(l.begin[li], 0, li);
        }
        while (b < nr) {
          int ri = r.positioned[b++];
          order[k++] = key(r.begin[ri], 1, ri);
        }
      } else {
        for (int a = 0; a < nl; a++) {
          int li = l.positioned[a];
          order[a] = key(l.begin[li], 0, li);
        }
        for (int b = 0; b < nr; b++) {
          int ri = r.positioned[b];
          order[nl + b] = key(r.begin[ri], 1, ri);
        }
        Arrays.sort(order); // keys are unique: stability does not matter
      }
      int[] lrun = new int[nl];
      int[] rrun = new int[nr];
      int lc = 0;
      int rc = 0;
      int runBegin = 0;
      int runEnd = 0;
      long reach = -1;
      for (int k = 0; k < total; k++) {
        long item = order[k];
        int begin = (int) (item >> 32);
        boolean right = ((item >>> 31) & 1L) != 0;
        int i = (int) (item & 0x7FFFFFFFL);
        int end = right ? r.end[i] : l.end[i];
        if (k == 0 || begin >= reach) {
          if (k > 0) {
            emitRun(lrun, lc, rrun, rc, runBegin, runEnd);
          }
          lc = 0;
          rc = 0;
          runBegin = begin; // the run's smallest begin: items come in begin order
          runEnd = end;
        }
        if (right) {
          rrun[rc++] = i;
        } else {
          lrun[lc++] = i;
        }
        if (end > runEnd) {
          runEnd = end;
        }
        long reaches = Math.max((long) end, (long) begin + 1);
        if (reaches > reach) {
          reach = reaches;
        }
      }
      emitRun(lrun, lc, rrun, rc, runBegin, runEnd);
    }

    /** Order of (begin, side, index) as one signed long. */
    private static long key(int begin, int side, int index) {
      return ((long) begin << 32) | ((long) side << 31) | index;
    }

    /** The offset-less tokens of the middle that come before the run, then the run's op. */
    void emitRun(int[] lrun, int lc, int[] rrun, int rc, int runBegin, int runEnd) {
      middlesUpTo(runBegin);
      sortPrefix(lrun, lc);
      sortPrefix(rrun, rc);
      String name = opName(lc, rc, lc == 1 && rc == 1 && sameKey(l.tokens[lrun[0]],
          r.tokens[rrun[0]]), lc == 1 && rc == 1 && l.begin[lrun[0]] == r.begin[rrun[0]]
          && l.end[lrun[0]] == r.end[rrun[0]]);
      ops.add(new AlignOp(name, lc > 0 ? Integer.valueOf(lrun[0]) : null,
          rc > 0 ? Integer.valueOf(rrun[0]) : null, texts(l, lrun, lc), texts(r, rrun, rc),
          runBegin, runEnd));
    }

    /**
     * Pairs the offset-less middle tokens of both sides that follow a character at or before
     * {@code upTo}, one character at a time in order, by position.
     */
    void middlesUpTo(long upTo) {
      int[] lat = l.midAt;
      int[] rat = r.midAt;
      while (lm < lat.length || rm < rat.length) {
        int at;
        if (lm >= lat.length) {
          at = rat[rm];
        } else if (rm >= rat.length) {
          at = lat[lm];
        } else {
          at = Math.min(lat[lm], rat[rm]);
        }
        if (at > upTo) {
          return;
        }
        int lend = lm;
        while (lend < lat.length && lat[lend] == at) {
          lend++;
        }
        int rend = rm;
        while (rend < rat.length && rat[rend] == at) {
          rend++;
        }
        int ln = lend - lm;
        int rn = rend - rm;
        for (int k = 0, n = Math.max(ln, rn); k < n; k++) {
          ops.add(single(k < ln ? l.midIdx[lm + k] : NONE, k < rn ? r.midIdx[rm + k] : NONE));
        }
        lm = lend;
        rm = rend;
      }
    }

    /** The op of at most one token each side; NONE for no token. */
    AlignOp single(int li, int ri) {
      String name;
      if (ri == NONE) {
        name = MISSING_IN_RIGHT;
      } else if (li == NONE) {
        name = MISSING_IN_LEFT;
      } else {
        boolean sameSpan = l.has[li] == r.has[ri]
            && (!l.has[li] || (l.begin[li] == r.begin[ri] && l.end[li] == r.end[ri]));
        name = sameKey(l.tokens[li], r.tokens[ri]) && sameSpan ? EQUAL : CHANGED;
      }
      Integer begin = null;
      Integer end = null;
      boolean lspan = li != NONE && l.has[li];
      boolean rspan = ri != NONE && r.has[ri];
      if (lspan && rspan) {
        begin = Math.min(l.begin[li], r.begin[ri]);
        end = Math.max(l.end[li], r.end[ri]);
      } else if (lspan) {
        begin = l.begin[li];
        end = l.end[li];
      } else if (rspan) {
        begin = r.begin[ri];
        end = r.end[ri];
      }
      return new AlignOp(name, li == NONE ? null : Integer.valueOf(li),
          ri == NONE ? null : Integer.valueOf(ri),
          li == NONE ? Collections.<String>emptyList() : Collections.singletonList(l.say(li)),
          ri == NONE ? Collections.<String>emptyList() : Collections.singletonList(r.say(ri)),
          begin, end);
    }
  }

  private static List<String> texts(Side side, int[] indexes, int count) {
    if (count == 0) {
      return Collections.emptyList();
    }
    if (count == 1) {
      return Collections.singletonList(side.say(indexes[0]));
    }
    String[] out = new String[count];
    for (int k = 0; k < count; k++) {
      out[k] = side.say(indexes[k]);
    }
    return Arrays.asList(out);
  }

  private static void sortPrefix(int[] a, int count) {
    for (int k = 1; k < count; k++) {
      if (a[k] < a[k - 1]) {
        Arrays.sort(a, 0, count);
        return;
      }
    }
  }

  /** Token equality: the text, and the vocabulary id where the token has one. */
  private static boolean sameKey(Token a, Token b) {
    return a.say().equals(b.say()) && Objects.equals(a.id, b.id);
  }

  /** The op's name from how many tokens each side has in the run. */
  private static String opName(int lcount, int rcount, boolean sameText, boolean sameSpan) {
    if (rcount == 0) {
      return MISSING_IN_RIGHT;
    }
    if (lcount == 0) {
      return MISSING_IN_LEFT;
    }
    if (lcount == 1 && rcount == 1) {
      return sameText && sameSpan ? EQUAL : CHANGED;
    }
    if (lcount == 1) {
      return SPLIT;
    }
    if (rcount == 1) {
      return MERGED;
    }
    return REGROUPED;
  }

  /**
   * True when no op differs, so there is nothing to explain: also for null or empty ops.
   */
  public static boolean allEqual(List<AlignOp> ops) {
    if (ops == null) {
      return true;
    }
    for (AlignOp op : ops) {
      if (!EQUAL.equals(op.op)) {
        return false;
      }
    }
    return true;
  }

  /** Index on a side where op {@code at} starts, or where it would when that side is empty. */
  private static int where(List<AlignOp> ops, int at, boolean left, int total) {
    for (int k = at, n = ops.size(); k < n; k++) {
      AlignOp op = ops.get(k);
      Integer index = left ? op.leftIndex : op.rightIndex;
      if (index != null) {
        return index;
      }
    }
    return total;
  }

  /**
   * The first op that is not equal, with up to {@code window} tokens each side of it;
   * null when ops is null or empty or all are equal.
   *
   * <p>leftIndex/rightIndex say where the divergence starts on each side, the index it would have
   * when that side has no token there; each window runs from {@code window} tokens before that
   * index to {@code window} tokens after the diverging run.
   */
  public static Divergence firstDivergence(List<AlignOp> ops, List<Token> left, List<Token> right,
      String level, int window) {
    if (ops == null || ops.isEmpty()) {
      return null;
    }
    int at = NONE;
    for (int k = 0, n = ops.size(); k < n; k++) {
      if (!EQUAL.equals(ops.get(k).op)) {
        at = k;
        break;
      }
    }
    if (at == NONE) {
      return null;
    }
    AlignOp op = ops.get(at);
    int lstart = where(ops, at, true, left.size());
    int rstart = where(ops, at, false, right.size());
    return new Divergence(level, op.op, lstart, rstart, op.begin, op.end,
        window(left, lstart, op.leftTokens.size(), window),
        window(right, rstart, op.rightTokens.size(), window));
  }

  /** Texts of tokens from start - window to start + run + window, clamped to the list. */
  private static List<String> window(List<Token> tokens, int start, int run, int window) {
    long n = tokens.size();
    long lo = Math.max(0L, (long) start - window);
    long hi = Math.min(n, (long) start + run + window);
    lo = sliceIndex(lo, n);
    hi = sliceIndex(hi, n);
    if (hi <= lo) {
      return new ArrayList<>(0);
    }
    List<String> out = new ArrayList<>((int) (hi - lo));
    Iterator<Token> it = tokens.listIterator((int) lo);
    for (long k = lo; k < hi; k++) {
      out.add(it.next().say());
    }
    return out;
  }

  private static long sliceIndex(long index, long n) {
    if (index < 0) {
      index += n;
      return index < 0 ? 0 : index;
    }
    return index > n ? n : index;
  }
}
