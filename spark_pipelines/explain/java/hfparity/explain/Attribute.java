package hfparity.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Why two prediction records disagree: the first stage of the pipeline where they part. Every
 * cause's rule is in this file; {@link #attribute} runs the stages in pipeline order and the
 * first that finds a difference names the cause. Index (stage: method, then its helpers):
 *
 * <ol>
 *   <li><b>status</b> ({@link #status}): a side has no record ({@code missing}), or a side is not
 *       scored, or neither is (the join's {@code unscored_both}: no label on either side is no
 *       agreement). Sub-cause: the unscored side's status.
 *   <li><b>text</b> ({@link #text}): text_length or text_sha256 differ: the two runs did not
 *       read the same text.
 *   <li><b>words</b> ({@link #words}, {@link #wordAt}): characters covered by one side's words
 *       and not the other's. Invisible ones (Mn, Cf, Cc: a normalizer may drop them) are left to
 *       the pieces and only noted; the same characters cut into other words is only noted (the
 *       model sees pieces). The word and position: the word holding the first such character.
 *       When that character is a Unicode separator inside one side's word ({@link
 *       #separatorJoin}), the sub-cause names it and what that side's pieces then hold: {@code
 *       separator_u00a0_one_unk}, {@code separator_u3000_rest_dropped}, {@code ..._joined}.
 *   <li><b>pieces</b> ({@link #pieces}, {@link #firstPieceDifference}, {@link #classify},
 *       {@link #profile}, {@link #dropped}, {@link #piecesByIndex}): kept model-input pieces that
 *       differ before either side's truncation point, grouped by character clusters
 *       ({@link #clusters}); the first differing cluster is classified into a sub-cause, in this
 *       order: {@code pieces_dropped} (one side's pieces cover characters the other's do not),
 *       {@code other} (same piece strings, other ids), {@code split_differently} (same
 *       characters, other segmentation), {@code space_marker} (equal once the word-start
 *       marker of byte-level BPE or SentencePiece is removed, and only one side has it), {@code accent_one_side} / {@code lowercase_one_side}
 *       (equal once folded; an [UNK] on one side whose source folds to the other side's surface
 *       is blamed on case or accents, using what that side does elsewhere in the row), {@code
 *       unknown_token}, else {@code other}. Without offsets, pieces are compared by position.
 *       A side without recorded pieces makes the row {@code undetermined/pieces_not_recorded}
 *       when the outputs differ.
 *   <li><b>truncation</b> ({@link #truncation}): same kept pieces, but one side kept fewer.
 *   <li><b>model_input</b> ({@link #modelInput}): same pieces, but what the sides fed the model
 *       differs (both recorded it): sub-cause {@code input_ids} (other ids, e.g. the start or
 *       end token's), {@code attention_mask} (e.g. Spark NLP's {@code id != 0} masks a start
 *       token whose id is 0) or {@code token_type_ids}; position: the first differing one.
 *   <li><b>numerics</b> / <b>boundary</b> ({@link #scores}): identical model input; logits
 *       (else probabilities) beyond tolerance are {@code numerics}; scores within tolerance but
 *       other labels are {@code boundary}.
 *   <li><b>fallback</b> ({@link #fallback}, called by ExplainRow with the word alignment): a
 *       row that differs only in how its words were cut is {@code words/split_differently};
 *       anything else left unexplained is {@code undetermined}.
 *   <li><b>counterfactual check</b> ({@link #verdictAgrees}): a re-run of the left model on the
 *       right pieces must say {@code not_reproduced} for numerics and {@code reproduced} for
 *       text/words/pieces/truncation/boundary; that is {@code cf_consistent}.
 * </ol>
 *
 * <p>Evidence text is built only through {@link Evidence}; the machinery the rules use lives
 * beside this class: {@link Chars} (lowercasing, accent stripping, invisible characters, from
 * the JVM's own Unicode data), {@link CharMap} (the text rebuilt from word tokens) and {@link
 * OffsetSet} (sets of character offsets). Offsets are code points, end exclusive; [CLS]/[SEP]
 * are ignored. Stateless and thread-safe.
 */
public final class Attribute {
  private Attribute() {}

  public static final String STATUS = "status";
  public static final String TEXT = "text";
  public static final String WORDS = "words";
  public static final String PIECES = "pieces";
  public static final String TRUNCATION = "truncation";
  public static final String MODEL_INPUT = "model_input";
  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String TOKEN_TYPE_IDS = "token_type_ids";
  public static final String NUMERICS = "numerics";
  public static final String BOUNDARY = "boundary";
  public static final String UNDETERMINED = "undetermined";

  public static final String LOWERCASE_ONE_SIDE = "lowercase_one_side";
  public static final String ACCENT_ONE_SIDE = "accent_one_side";
  public static final String UNKNOWN_TOKEN = "unknown_token";
  public static final String PIECES_DROPPED = "pieces_dropped";
  public static final String SPLIT_DIFFERENTLY = "split_differently";
  public static final String SPACE_MARKER = "space_marker";
  public static final String OTHER = "other";
  public static final String MISSING = "missing";
  public static final String PIECES_NOT_RECORDED = "pieces_not_recorded";

  public static final String REPRODUCED = "reproduced";
  public static final String NOT_REPRODUCED = "not_reproduced";

  private static final String UNK = "[UNK]";
  private static final int HF_MAX_CHARS_PER_WORD = 100;
  private static final String OK = "ok";

  /**
   * The first stage where {@code left} and {@code right} part; a Cause with null cause when
   * they agree. A non-null {@code cfVerdict} stands for the counterfactual
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
        found = modelInput(left, right);
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
          + (shown ? " (max |\u0394p| " + Evidence.number(cfMaxAbsDelta) + ")" : "");
      if (Boolean.FALSE.equals(consistent)) {
        evidence += ", which contradicts cause " + found.cause;
      }
    }
    return new Cause(found.cause, found.subCause, found.word, found.position, evidence,
        consistent);
  }

  /**
   * Cf_consistent: numerics iff not_reproduced; text/words/pieces/truncation/boundary iff
   * reproduced; null when there is nothing to check (no cause, a status cause, a failed
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
      case MODEL_INPUT:
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

  private static boolean truthy(String s) {
    return s != null && !s.isEmpty();
  }

  /** " (text)" after a value, or nothing when the text is null or empty. */
  private static String aside(String text) {
    return truthy(text) ? " (" + Evidence.value(text) + ")" : "";
  }

  /** Character runs of {@code set} as evidence text (Evidence.runs). */
  private static String showRuns(int[] set, CharMap chars) {
    return Evidence.runs(set, chars::get);
  }

  // --- stages -----------------------------------------------------------------------------

  /** Stage status: a missing or unscored side, or both unscored (never an agreement). */
  private static Cause status(Record l, Record r) {
    if (l == null || r == null) {
      return cause(STATUS, MISSING, null, null, "no " + (l == null ? "left" : "right") + " record");
    }
    String ls = l.status;
    String rs = r.status;
    if (OK.equals(ls) && OK.equals(rs)) {
      return null;
    }
    String sub = !OK.equals(ls) ? ls : rs;
    String sides = "left " + Evidence.value(ls) + aside(l.error) + " vs right "
        + Evidence.value(rs) + aside(r.error);
    // Both unscored for the same reason (the join's unscored_both): not an agreement, since
    // neither model gave a label; the sub-cause says why.
    String evidence = Objects.equals(ls, rs) ? "neither side scored the row: " + sides : sides;
    return cause(STATUS, sub, null, null, evidence);
  }

  /** Stage text: text_length or text_sha256 differ. */
  private static Cause text(Record l, Record r) {
    String parts = null;
    if (l.textLength != null && r.textLength != null && !l.textLength.equals(r.textLength)) {
      parts = "text_length " + l.textLength + " vs " + r.textLength;
    }
    if (l.textSha256 != null && r.textSha256 != null && !l.textSha256.equals(r.textSha256)) {
      String sha = "sha256 " + Evidence.digest(l.textSha256) + " vs "
          + Evidence.digest(r.textSha256);
      parts = parts == null ? sha : parts + "; " + sha;
    }
    return parts == null ? null : cause(TEXT, null, null, null, parts);
  }

  /** Stage words: text lost or added at word level; different segmentation is noted. */
  private static Cause words(Record l, Record r, CharMap chars, List<String> notes) {
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

  /** A Unicode separator other than the ASCII space: Zs (NBSP, U+3000...), Zl, Zp. */
  static boolean isSeparator(int cp) {
    int type = Character.getType(cp);
    return cp != ' ' && (type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR);
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
    if (!isSeparator(cp)) {
      return null;
    }
    int cut = 0;  // code points before the word's first separator
    while (!isSeparator(text.codePointAt(text.offsetByCodePoints(0, cut)))) {
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
    if (inside.size() == 1 && UNK.equals(inside.get(0))) {
      what = "one_unk";
      feeds = "which reaches the model as one [UNK]";
    } else if (!inside.isEmpty() && !rest.isEmpty()
        && Chars.fold(spelled.toString()).equals(Chars.fold(before))) {
      what = "rest_dropped";
      feeds = "whose pieces (" + Evidence.pieces(inside) + ") spell " + Evidence.quote(before)
          + " only: " + Evidence.quote(rest) + " never reaches the model";
    } else {
      what = "joined";
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
    return new String[] {"separator_u" + hex + "_" + what, evidence};
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

  private static final class WordAt {
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

  /** A model-input piece with its index in the record's list. */
  private static final class Piece {
    final int index;
    final String piece;
    final Integer id;
    final Integer begin;
    final Integer end;
    /** The span [b, e): a missing offset reads as 0. */
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
    if (piece == null || piece.length() < 3
        || (piece.charAt(0) != '[' && piece.charAt(0) != '<')) {
      return false;
    }
    switch (piece) {
      case "[CLS]":
      case "[SEP]":
      case "[PAD]":
      case "[MASK]":
      case "<s>":
      case "</s>":
      case "<pad>":
      case "<mask>":
      case "[pad]":
        return true;
      default:
        return false;
    }
  }

  /** Pieces without the offsetless special ones. */
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

  /** The pieces' characters, "##" continuation marks removed. */
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

  /** A surface without the word-start markers of byte-level BPE (Ġ) and SentencePiece (▁). */
  private static String withoutSpaceMarker(String surface) {
    return surface.replace("\u0120", "").replace("\u2581", "");
  }

  private static String strip(String piece) {
    return piece.startsWith("##") && piece.length() > 2 ? piece.substring(2) : piece;
  }

  /** A group's piece strings as evidence text (Evidence.pieces). */
  private static String showPieces(List<Piece> pieces) {
    List<String> strings = new ArrayList<>(pieces.size());
    for (Piece p : pieces) {
      strings.add(p.piece);
    }
    return Evidence.pieces(strings);
  }

  /** Whether a side was truncated: the flag, else more pieces before truncation than kept. */
  private static boolean truncated(Record rec) {
    if (rec.truncated != null) {
      return rec.truncated;
    }
    int kept = rec.pieces == null ? 0 : rec.pieces.size();
    return rec.pieceCount != null && rec.pieceCount > kept;
  }

  /**
   * Stage pieces (then truncation): kept pieces that differ before either side's truncation
   * point, else different numbers of kept pieces (truncation).
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
          "pieces not recorded on " + missing + aside(note)
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

  /** Maximal spans joined by overlapping words or pieces. */
  private static int[] clusters(List<Piece> lkept, List<Piece> rkept, List<Token> lw,
      List<Token> rw) {
    int n = lkept.size() + rkept.size() + (lw == null ? 0 : lw.size())
        + (rw == null ? 0 : rw.size());
    long[] keys = new long[n];
    int[] runEnds = new int[4];
    int count = 0;
    for (int side = 0; side < 2; side++) {
      for (Piece p : side == 0 ? lkept : rkept) {
        keys[count++] = OffsetSet.sortKey(p.b, Math.max(p.e, p.b + 1));
      }
      runEnds[side] = count;
    }
    for (int side = 0; side < 2; side++) {
      List<Token> words = side == 0 ? lw : rw;
      if (words != null) {
        for (Token w : words) {
          if (w.begin != null && w.end != null && w.end > w.begin) {
            keys[count++] = OffsetSet.sortKey(w.begin, w.end);
          }
        }
      }
      runEnds[2 + side] = count;
    }
    keys = sorted(keys, count, runEnds);
    int[] merged = new int[2 * count];
    int m = 0;
    for (int i = 0; i < count; i++) {
      int b = OffsetSet.keyBegin(keys[i]);
      int e = OffsetSet.keyEnd(keys[i]);
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

  /** One cluster: its span and each side's pieces in it. */
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

  /** Group pieces by cluster, classify the first gap. */
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
      String word = chars.spanText(g.begin, g.end);
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

  /** Index of the left [SEP], or the list length. */
  private static int endIndex(List<Token> lp) {
    if (!lp.isEmpty()) {
      Token last = lp.get(lp.size() - 1);
      if (isSpecial(last.text) && last.begin == null) {
        return lp.size() - 1;
      }
    }
    return lp.size();
  }

  /** Offsets the pieces cover, invisible characters left out. */
  private static int[] visibleCoverage(List<Piece> group, CharMap chars) {
    int[] spans = new int[2 * group.size()];
    for (int i = 0; i < group.size(); i++) {
      spans[2 * i] = group.get(i).b;
      spans[2 * i + 1] = group.get(i).e;
    }
    int[] cov = OffsetSet.ivsOf(spans, group.size());
    return OffsetSet.minus(cov, OffsetSet.invisibleIn(cov, chars));
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

  /** {sub-cause, reason} for one span whose pieces differ. */
  private static String[] classify(Group g, CharMap chars, Group[] groups) {
    String source = chars.spanText(g.begin, g.end);
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
            "same characters " + Evidence.quote(ls) + ", segmented differently"};
      }
      String shown = Evidence.quote(ls) + " vs " + Evidence.quote(rs);
      String lbare = withoutSpaceMarker(ls);
      String rbare = withoutSpaceMarker(rs);
      if (lbare.equals(rbare) && (ls.length() != lbare.length()) != (rs.length() != rbare.length())) {
        String marked = ls.length() != lbare.length() ? "left" : "right";
        return new String[] {SPACE_MARKER, shown + ": only the " + marked + " side marks the "
            + "word's leading space (byte-level BPE \u0120 / SentencePiece \u2581)"};
      }
      if (Chars.fold(ls).equals(Chars.fold(rs))) {
        if (!Chars.lower(ls).equals(Chars.lower(rs))
            && Chars.deaccent(ls).equals(Chars.deaccent(rs))) {
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
    if (source != null && Chars.codePoints(source) <= HF_MAX_CHARS_PER_WORD
        && Chars.fold(source).equals(Chars.fold(surface))) {
      boolean[] profile = profile(groups, lunk ? 0 : 1, chars);
      if (Chars.hasUpper(source) && !Chars.hasUpper(surface) && !profile[0]) {
        boolean ambiguous = Chars.hasAccent(Chars.lower(source)) && !profile[1];
        return new String[] {LOWERCASE_ONE_SIDE, unkSide + " kept the case of "
            + Evidence.quote(source) + " (not in the vocabulary: [UNK]), the other side lowercased "
            + "it to " + Evidence.quote(surface)
            + (ambiguous ? " (or kept its accents: nothing else in the row tells)" : "")};
      }
      if (Chars.hasAccent(source) && !Chars.hasAccent(surface) && !profile[1]) {
        return new String[] {ACCENT_ONE_SIDE, unkSide + " kept the accents of "
            + Evidence.quote(source) + " (not in the vocabulary: [UNK]), the other side stripped "
            + "them to " + Evidence.quote(surface)};
      }
    }
    String length = truthy(source) ? " (" + Chars.codePoints(source) + " chars)" : "";
    return new String[] {UNKNOWN_TOKEN, unkSide + " has [UNK] for "
        + Evidence.quote(truthy(source) ? source : surface) + length};
  }

  /**
   * Whether one side is seen elsewhere in the row to {lowercase, strip
   * accents}; "not seen" and "never applies" both read as false.
   */
  private static boolean[] profile(Group[] groups, int side, CharMap chars) {
    boolean lowercases = false;
    boolean strips = false;
    for (Group g : groups) {
      List<Piece> pieces = g.side(side);
      if (pieces.isEmpty()) {
        continue;
      }
      String source = chars.spanText(g.begin, g.end);
      if (source == null || hasUnk(pieces)) {
        continue;
      }
      String surface = surface(pieces);
      if (!Chars.fold(surface).equals(Chars.fold(source))) {
        continue;
      }
      if (!lowercases && Chars.hasUpper(source)) {
        lowercases = !Chars.hasUpper(surface);
      }
      if (!strips && Chars.hasAccent(source)) {
        strips = !Chars.hasAccent(surface);
      }
    }
    return new boolean[] {lowercases, strips};
  }

  /** Characters one side's pieces cover and the other's do not. */
  private static String[] dropped(Group g, int[] lcov, int[] rcov, String source,
      CharMap chars) {
    int[] onlyL = OffsetSet.minus(lcov, rcov);
    int[] onlyR = OffsetSet.minus(rcov, lcov);
    String where = truthy(source) ? " from " + Evidence.quote(source) : "";
    for (int pass = 0; pass < 2; pass++) {
      int[] only = pass == 0 ? onlyL : onlyR;
      int[] other = pass == 0 ? onlyR : onlyL;
      if (only.length > 0 && other.length == 0) {
        int count = 0;
        for (Piece p : pass == 0 ? g.left : g.right) {
          if (OffsetSet.meets(only, p.b, p.e)) {
            count++;
          }
        }
        return new String[] {PIECES_DROPPED, Evidence.count(count, "piece") + " dropped" + where
            + " on " + (pass == 0 ? "right" : "left")};
      }
    }
    return new String[] {PIECES_DROPPED, "characters only left: " + showRuns(onlyL, chars)
        + "; only right: " + showRuns(onlyR, chars)};
  }

  /** Fallback without offsets, piece by piece. */
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
      detail = Evidence.quote(a) + " vs " + Evidence.quote(b);
      if (Chars.lower(a).equals(Chars.lower(b))) {
        sub = LOWERCASE_ONE_SIDE;
      } else if (Chars.deaccent(a).equals(Chars.deaccent(b))) {
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

  /**
   * Stage model_input: the pieces agree, but the ids, attention mask or token type ids the two
   * sides fed their models differ. Only when both sides recorded their model input; a side
   * that is not fed token type ids (null) and one fed zeros are the same input.
   */
  static Cause modelInput(Record l, Record r) {
    String[] names = {INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS};
    int[][] left = {l.inputIds, l.attentionMask, l.tokenTypeIds};
    int[][] right = {r.inputIds, r.attentionMask, r.tokenTypeIds};
    for (int k = 0; k < names.length; k++) {
      int[] a = left[k];
      int[] b = right[k];
      if (k == 2) {
        a = a == null && b != null && allZero(b) ? b : a;
        b = b == null && a != null && allZero(a) ? a : b;
      }
      if (a == null || b == null || Arrays.equals(a, b)) {
        continue;
      }
      List<Integer> at = new ArrayList<>();
      for (int i = 0; i < Math.max(a.length, b.length); i++) {
        Integer x = i < a.length ? a[i] : null;
        Integer y = i < b.length ? b[i] : null;
        if (!Objects.equals(x, y)) {
          at.add(i);
        }
      }
      int first = at.get(0);
      String piece = l.pieces != null && first < l.pieces.size() ? l.pieces.get(first).text : null;
      String evidence = "same pieces, other " + names[k] + " at " + at.size() + " of "
          + Math.max(a.length, b.length) + " positions (first: position " + first
          + (piece != null ? ", piece " + Evidence.quote(piece) : "") + ", left "
          + Evidence.value(first < a.length ? a[first] : null) + " vs right "
          + Evidence.value(first < b.length ? b[first] : null) + "; input id "
          + Evidence.value(l.inputIds != null && first < l.inputIds.length
              ? l.inputIds[first] : null) + ")";
      return cause(MODEL_INPUT, names[k], piece, first, evidence);
    }
    return null;
  }

  private static boolean allZero(int[] values) {
    for (int v : values) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }

  /** Stage truncation: same kept pieces up to where the shorter side stops. */
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
        + " stops before " + Evidence.quote(shown) + " at char " + extra.begin;
    return cause(TRUNCATION, null, shown, position, evidence);
  }

  private static String side(String name, Record rec, List<Piece> real) {
    return name + " kept " + real.size() + " pieces (" + (truncated(rec) ? "truncated" : "whole")
        + ", " + Evidence.value(rec.pieceCount) + " with [CLS]/[SEP] before truncation)";
  }

  /** max |a - b|, the first pair's delta kept when later ones are NaN; null if unpaired. */
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

  /** By label when either side has one, else by label_id. */
  private static boolean labelsDiffer(Record l, Record r) {
    if (l.label != null || r.label != null) {
      return !Objects.equals(l.label, r.label);
    }
    return !Objects.equals(l.labelId, r.labelId);
  }

  /** Labels differ, or some probability moved beyond tolerance. */
  private static boolean outputsDiffer(Record l, Record r, double tolerance) {
    Double delta = maxDelta(l.probabilities, r.probabilities);
    return labelsDiffer(l, r) || (delta != null && delta > tolerance);
  }

  /** Stages numerics, boundary: identical input; logits (else probabilities), else labels. */
  private static Cause scores(Record l, Record r, double tolerance) {
    Double logitDelta = maxDelta(l.logits, r.logits);
    Double probDelta = maxDelta(l.probabilities, r.probabilities);
    boolean labelsDiffer = labelsDiffer(l, r);
    boolean numerics = logitDelta != null ? logitDelta > tolerance
        : probDelta != null && probDelta > tolerance;
    if (!numerics && !labelsDiffer) {
      return null;
    }
    String labels = "labels " + Evidence.value(l.label) + " vs " + Evidence.value(r.label);
    String tol = Evidence.number(tolerance, 6);
    String prob = Evidence.number(probDelta != null ? probDelta : Double.NaN);
    if (logitDelta != null && logitDelta > tolerance) {
      return cause(NUMERICS, null, null, null, "identical pieces; max |\u0394logit| "
          + Evidence.number(logitDelta) + " > tolerance " + tol + "; max |\u0394p| " + prob
          + "; " + labels);
    }
    if (logitDelta == null && probDelta != null && probDelta > tolerance) {
      return cause(NUMERICS, null, null, null, "identical pieces; logits not recorded on both "
          + "sides; max |\u0394p| " + prob + " > tolerance " + tol + "; " + labels);
    }
    return cause(BOUNDARY, null, null, null, "identical pieces; scores within tolerance " + tol
        + " (max |\u0394p| " + prob + ") but " + labels + ": left "
        + Evidence.probabilities(l.probabilities) + " vs right "
        + Evidence.probabilities(r.probabilities));
  }

  /**
   * Fallback, for a row that differs where no stage above finds a disagreement of outputs: a
   * row whose only difference is how the words were cut (same characters, same pieces) still
   * parts first at the word stage, so it gets {@code words/split_differently} at the first
   * diverging word; anything else is {@code undetermined}. Notes already gathered stay the
   * evidence.
   */
  static Cause fallback(Cause found, List<AlignOp> wordOps, Divergence divergence) {
    boolean hasEvidence = found.evidence != null && !found.evidence.isEmpty();
    if (wordOps != null && !wordOps.isEmpty() && divergence != null
        && WORDS.equals(divergence.level)) {
      AlignOp op = null;
      for (AlignOp candidate : wordOps) {
        if (!Align.EQUAL.equals(candidate.op)) {
          op = candidate;
          break;
        }
      }
      List<String> lt = op.leftTokens;
      List<String> rt = op.rightTokens;
      String word;
      if (lt.size() == 1) {
        word = lt.get(0);
      } else if (rt.size() == 1) {
        word = rt.get(0);
      } else {
        word = String.join(" ", lt.isEmpty() ? rt : lt);
      }
      return new Cause(WORDS, SPLIT_DIFFERENTLY, word, divergence.leftIndex,
          hasEvidence ? found.evidence : "word tokens cut differently", null);
    }
    return new Cause(UNDETERMINED, null, null, null,
        hasEvidence ? found.evidence : "the row differs but no stage explains it", null);
  }
}
