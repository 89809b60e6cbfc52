package hfparity.explain;

import java.util.Arrays;
import java.util.List;

/**
 * Sets of character offsets as flat arrays of sorted, disjoint, non-adjacent [begin, end)
 * pairs: what one side's words or pieces cover, and the differences of two such sets.
 */
final class OffsetSet {
  private OffsetSet() {}

  static final int[] EMPTY = new int[0];

  /** Grows a flat interval list, merging an interval that touches the last one. */
  static final class IvBuilder {
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
  static int[] ivsOf(int[] spans, int count) {
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
  static long sortKey(int begin, int end) {
    return ((long) begin << 32) | ((long) end - Integer.MIN_VALUE);
  }

  static int keyBegin(long key) {
    return (int) (key >> 32);
  }

  static int keyEnd(long key) {
    return (int) ((key & 0xFFFFFFFFL) + Integer.MIN_VALUE);
  }

  /** Offsets covered by tokens with both offsets (as a set). */
  static int[] coverage(List<Token> tokens) {
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
  static int[] minus(int[] a, int[] b) {
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
  static int[] union(int[] a, int[] b) {
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
  static int[] invisibleIn(int[] set, CharMap chars) {
    if (set.length == 0) {
      return EMPTY;
    }
    IvBuilder out = new IvBuilder();
    int lo = chars.lo();
    int hi = chars.hi();
    for (int i = 0; i < set.length; i += 2) {
      for (int p = Math.max(set[i], lo), end = Math.min(set[i + 1], hi); p < end; p++) {
        if (Chars.invisible(chars.get(p))) {
          out.add(p, p + 1);
        }
      }
    }
    return out.done();
  }

  /** Whether [b, e) meets the set. */
  static boolean meets(int[] set, int b, int e) {
    for (int i = 0; i < set.length; i += 2) {
      if (set[i + 1] > b) {
        return set[i] < e && b < e;
      }
    }
    return false;
  }
}
