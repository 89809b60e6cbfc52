package hfparity.explain;

import static hfparity.explain.Attribute.ATTENTION_MASK;
import static hfparity.explain.Attribute.INPUT_IDS;
import static hfparity.explain.Attribute.MODEL_INPUT;
import static hfparity.explain.Attribute.TOKEN_TYPE_IDS;
import static hfparity.explain.Attribute.cause;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Stage model_input: the same pieces, but what the sides fed the model differs (both
 * recorded it): sub-cause {@code input_ids} (other ids, e.g. the start or end token's),
 * {@code attention_mask} (e.g. Spark NLP's {@code id != 0} masks a start token whose id is 0)
 * or {@code token_type_ids}; position: the first differing one.
 */
final class ModelInputStage {
  private ModelInputStage() {}

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
}
