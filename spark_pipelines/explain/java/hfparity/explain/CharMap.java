package hfparity.explain;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The code point at each offset, rebuilt from word texts (left words first; the records do
 * not carry the text), built on first use since most agreeing rows never look. Dense array over the
 * offsets the words span; a hash map only when offsets are sparse far beyond the text.
 */
final class CharMap {
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
        && (long) w.end - w.begin == Chars.codePoints(w.text);
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

  /** The text of [begin, end) between its first and last known characters, gaps as spaces. */
  String spanText(int begin, int end) {
    int from = Math.max(begin, lo());
    int to = Math.min(end, hi());
    int first = -1;
    int last = -1;
    for (int p = from; p < to; p++) {
      if (get(p) >= 0) {
        first = p;
        break;
      }
    }
    if (first < 0) {
      return null;
    }
    for (int p = to - 1; p >= first; p--) {
      if (get(p) >= 0) {
        last = p;
        break;
      }
    }
    StringBuilder out = new StringBuilder(last - first + 1);
    for (int p = first; p <= last; p++) {
      int cp = get(p);
      out.appendCodePoint(cp >= 0 ? cp : ' ');
    }
    return out.toString();
  }
}
