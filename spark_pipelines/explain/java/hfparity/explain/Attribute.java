package hfparity.explain;

import java.util.ArrayList;
import java.util.List;

/**
 * Why two prediction records disagree: the first stage of the pipeline where they part. This
 * class is the dispatcher and the home of every cause and sub-cause name (the catalogue,
 * spark_pipelines/explain/causes.py, lists them with their meaning; tests hold the two equal).
 * {@link #attribute} runs the stages in pipeline order and the first that finds a difference
 * names the cause; each stage's rule is in a class of its own:
 *
 * <ol>
 *   <li><b>status</b> ({@link StatusStage}): a side has no record ({@code missing}), or a side
 *       is not scored, or neither is. Sub-cause: the unscored side's status.
 *   <li><b>text</b> ({@link TextStage}): text_length or text_sha256 differ.
 *   <li><b>words</b> ({@link WordsStage}): characters covered by one side's words only;
 *       sub-cause {@code separator_uXXXX_one_unk|rest_dropped|joined} when that character is a
 *       Unicode separator inside one side's word.
 *   <li><b>pieces</b> ({@link PiecesStage}, sub-causes by {@link PieceSubCause}; the piece rules
 *       in {@link Piece}, clusters in {@link PieceGroup}): kept model-input pieces that differ.
 *   <li><b>truncation</b> ({@link TruncationStage}): same kept pieces, but one side kept fewer.
 *   <li><b>model_input</b> ({@link ModelInputStage}): same pieces, other ids, attention mask or
 *       token type ids.
 *   <li><b>numerics</b> / <b>boundary</b> ({@link ScoresStage}): identical model input; logits
 *       (else probabilities) beyond tolerance, or other labels within tolerance.
 *   <li><b>fallback</b> ({@link FallbackStage}, through {@link #fallback}, called by ExplainRow
 *       with the word alignment): {@code words/split_differently} or {@code undetermined}.
 *   <li><b>counterfactual check</b> ({@link #verdictAgrees}): a re-run of the left model on the
 *       right pieces must say {@code not_reproduced} for numerics and {@code reproduced} for
 *       text/words/pieces/truncation/boundary; that is {@code cf_consistent}.
 * </ol>
 *
 * <p>Evidence text is built only through {@link Evidence}; the machinery the rules use lives
 * beside the stages: {@link Chars} (lowercasing, accent stripping, invisible characters and
 * separators, from the JVM's own Unicode data), {@link CharMap} (the text rebuilt from word
 * tokens) and {@link OffsetSet} (sets of character offsets). Offsets are code points, end
 * exclusive; [CLS]/[SEP] are ignored. Stateless and thread-safe.
 */
public final class Attribute {
  private Attribute() {}

  // Causes (the stages) and sub-causes, as written in rows/ cause and sub_cause.
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

  // words/separator_u<hex>_<what>: SEPARATOR + the code point in 4+ lowercase hex digits + "_"
  // + ONE_UNK, REST_DROPPED or JOINED (WordsStage.separatorJoin).
  public static final String SEPARATOR = "separator_u";
  public static final String ONE_UNK = "one_unk";
  public static final String REST_DROPPED = "rest_dropped";
  public static final String JOINED = "joined";

  // Counterfactual verdicts (spark_pipelines/explain/verdict.py), not causes.
  public static final String REPRODUCED = "reproduced";
  public static final String NOT_REPRODUCED = "not_reproduced";

  /**
   * The first stage where {@code left} and {@code right} part; a Cause with null cause when
   * they agree. A non-null {@code cfVerdict} stands for the counterfactual
   * row {cf_verdict, cf_max_abs_delta}: it is checked against the cause and quoted.
   */
  public static Cause attribute(Record left, Record right, double tolerance, String cfVerdict,
      Double cfMaxAbsDelta) {
    List<String> notes = new ArrayList<>(2);
    Cause found = StatusStage.status(left, right);
    if (found == null && left != null && right != null) {
      CharMap chars = new CharMap(left.words, right.words);
      found = TextStage.text(left, right);
      if (found == null) {
        found = WordsStage.words(left, right, chars, notes);
      }
      if (found == null) {
        found = PiecesStage.pieces(left, right, chars, notes, tolerance);
      }
      if (found == null) {
        found = ModelInputStage.modelInput(left, right);
      }
      if (found == null) {
        found = ScoresStage.scores(left, right, tolerance);
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

  static Cause cause(String cause, String sub, String word, Integer position,
      String evidence) {
    return new Cause(cause, sub, word, position, evidence, null);
  }

  static boolean truthy(String s) {
    return s != null && !s.isEmpty();
  }

  /** " (text)" after a value, or nothing when the text is null or empty. */
  static String aside(String text) {
    return truthy(text) ? " (" + Evidence.value(text) + ")" : "";
  }

  /** Character runs of {@code set} as evidence text (Evidence.runs). */
  static String showRuns(int[] set, CharMap chars) {
    return Evidence.runs(set, chars::get);
  }

  /**
   * The fallback stage ({@link FallbackStage#fallback}) for a row that differs where no stage
   * above finds a disagreement of outputs.
   */
  static Cause fallback(Cause found, List<AlignOp> wordOps, Divergence divergence) {
    return FallbackStage.fallback(found, wordOps, divergence);
  }
}
