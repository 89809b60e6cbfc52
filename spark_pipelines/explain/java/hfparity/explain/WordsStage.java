package hfparity.explain;

import static hfparity.explain.Attribute.SEPARATOR;
import static hfparity.explain.Attribute.ONE_UNK;
import static hfparity.explain.Attribute.REST_DROPPED;
import static hfparity.explain.Attribute.JOINED;
import static hfparity.explain.Attribute.WORDS;
import static hfparity.explain.Attribute.cause;
import static hfparity.explain.Attribute.showRuns;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Stage words: characters covered by one side's words and not the other's. Invisible ones
 * (Mn, Cf, Cc: a normalizer may drop them) are left to the pieces and only noted; the same
 * characters cut into other words is only noted (the model sees pieces). The word and
 * position: the word holding the first such character. When that character is a Unicode
 * separator inside one side's word ({@link #separatorJoin}), the sub-cause names it and what
 * that side's pieces then hold: {@code separator_u00a0_one_unk}, {@code
 * separator_u3000_rest_dropped}, {@code ..._joined}.
 */
final class WordsStage {
  private WordsStage() {}

  /** Stage words: text lost or added at word level; different segmentation is noted. */
  static Cause words(Record l, Record r, CharMap chars, List<String> notes) {
    List<Token> lw = l.words;
    List<Token> rw = r.words;
    if (lw == null || rw == null) {
      notes.add("words not recorded on " + (lw == null ? "left" : "right")
          + ": word stage skipped");
      return null;
    }
    int[] lcov = OffsetSet.coverage(lw);
    int[] rcov = OffsetSet.coverage(rw);
    int[] onlyL = OffsetSet.EMPTY;
    int[] onlyR = OffsetSet.EMPTY;
    int[] marks = OffsetSet.EMPTY;
    if (!Arrays.equals(lcov, rcov)) {
      int[] lminus = OffsetSet.minus(lcov, rcov);
      int[] rminus = OffsetSet.minus(rcov, lcov);
      marks = OffsetSet.invisibleIn(OffsetSet.union(lminus, rminus), chars);
      onlyL = OffsetSet.minus(lminus, marks);
      onlyR = OffsetSet.minus(rminus, marks);
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
    boolean rightHolds = OffsetSet.meets(onlyR, first, first + 1);
    String[] joined = rightHolds ? separatorJoin(first, r, l, "right", "left")
        : separatorJoin(first, l, r, "left", "right");
    if (joined != null) {
      return cause(WORDS, joined[0], at.text, at.position, joined[1] + "; " + evidence);
    }
    return cause(WORDS, null, at.text, at.position, evidence);
  }

  /**
   * Words sub-cause {@code separator_uXXXX_<what>} when the first character one side's words
   * alone cover is a Unicode separator (whitespace to the other side, e.g. Hugging Face) inside
   * a word of {@code joinedRec} (e.g. Spark NLP's Tokenizer, which splits on ASCII whitespace
   * only). What that side's model input then holds for the word, from its own pieces:
   * {@code one_unk} (a single [UNK]), {@code rest_dropped} (pieces spell the word up to its
   * first separator only) or {@code joined} (anything else). Returns {sub-cause, evidence},
   * or null when the character is no separator or no word of that side holds it.
   */
  private static String[] separatorJoin(int ch, Record joinedRec, Record splitRec,
      String joinedSide, String splitSide) {
    Token word = null;
    for (Token w : joinedRec.words) {
      if (w.hasSpan() && w.begin <= ch && ch < w.end) {
        word = w;
        break;
      }
    }
    String text = word == null ? null : word.text;
    if (text == null || Chars.codePoints(text) != word.end - word.begin) {
      return null;
    }
    int cp = text.codePointAt(text.offsetByCodePoints(0, ch - word.begin));
    if (!Chars.isSeparator(cp)) {
      return null;
    }
    int cut = 0;  // code points before the word's first separator
    while (!Chars.isSeparator(text.codePointAt(text.offsetByCodePoints(0, cut)))) {
      cut++;
    }
    String before = text.substring(0, text.offsetByCodePoints(0, cut));
    String rest = text.substring(text.offsetByCodePoints(0, cut + 1)).trim();
    List<String> inside = new ArrayList<>();
    for (Token p : joinedRec.pieces == null ? Collections.<Token>emptyList() : joinedRec.pieces) {
      if (p.hasSpan() && p.begin >= word.begin && p.begin < word.end) {
        inside.add(p.say());
      }
    }
    StringBuilder spelled = new StringBuilder();
    for (String piece : inside) {
      spelled.append(piece.startsWith("##") ? piece.substring(2) : piece);
    }
    List<String> splitWords = new ArrayList<>();
    for (Token w : splitRec.words == null ? Collections.<Token>emptyList() : splitRec.words) {
      if (w.hasSpan() && w.begin >= word.begin && w.end <= word.end) {
        splitWords.add(Evidence.quote(w.say()));
      }
    }
    String what;
    String feeds;
    if (inside.size() == 1 && Piece.UNK.equals(inside.get(0))) {
      what = ONE_UNK;
      feeds = "which reaches the model as one [UNK]";
    } else if (!inside.isEmpty() && !rest.isEmpty()
        && Chars.fold(spelled.toString()).equals(Chars.fold(before))) {
      what = REST_DROPPED;
      feeds = "whose pieces (" + Evidence.pieces(inside) + ") spell " + Evidence.quote(before)
          + " only: " + Evidence.quote(rest) + " never reaches the model";
    } else {
      what = JOINED;
      feeds = joinedRec.pieces == null ? "pieces not recorded"
          : "whose pieces are " + Evidence.pieces(inside);
    }
    String hex = String.format("%04x", cp);
    String name = Character.getName(cp);
    String evidence = "U+" + hex.toUpperCase(java.util.Locale.ROOT)
        + (name == null ? "" : " " + name) + " at [" + ch + "," + (ch + 1) + "): whitespace to "
        + splitSide + " (" + Evidence.count(splitWords.size(), "word")
        + (splitWords.isEmpty() ? "" : " " + String.join(" ", splitWords)) + " there), part of "
        + joinedSide + " word " + Evidence.quote(text) + ", " + feeds;
    return new String[] {SEPARATOR + hex + "_" + what, evidence};
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

  /** Index of the first differing (begin, end) among words with spans; -1 if they match. */
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

  static final class WordAt {
    final String text;
    final int position;

    WordAt(String text, int position) {
      this.text = text;
      this.position = position;
    }
  }

  /**
   * Text of the word holding {@code ch} (left first) and the index of
   * that left word, or of the first left word after it.
   */
  static WordAt wordAt(int ch, List<Token> lw, List<Token> rw) {
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
}
