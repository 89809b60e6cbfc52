package hfparity;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * What a Spark NLP 5.5.3 sequence classifier feeds its ONNX model for one document-level
 * sentence, built by the rules of its own code (read in the 5.5.3 sources): XXXForClassification
 * .encode puts the sentence start id, the first maxSentenceLength-2 piece ids and the sentence
 * end id in a row (no padding: batchAnnotate batches one document's sentences); every
 * getRawScoresWithOnnx builds the attention mask as {@code id != 0} (so a start token whose id
 * is 0, RoBERTa's {@code <s>}, is masked) and, where the family feeds token_type_ids
 * (BertClassification), a row of zeros.
 */
final class ModelInput {
  private ModelInput() {}

  /** The piece ids in order, start and end included. */
  static List<Integer> inputIds(int start, List<Integer> pieceIds, int end) {
    List<Integer> ids = new ArrayList<>(pieceIds.size() + 2);
    ids.add(start);
    ids.addAll(pieceIds);
    ids.add(end);
    return ids;
  }

  /** getRawScoresWithOnnx: {@code if (x == 0L) 0L else 1L}. */
  static List<Integer> attentionMask(List<Integer> ids) {
    List<Integer> mask = new ArrayList<>(ids.size());
    for (int id : ids) {
      mask.add(id == 0 ? 0 : 1);
    }
    return mask;
  }

  /** Zeros where the family feeds token_type_ids, else null (not fed). */
  static List<Integer> tokenTypeIds(List<Integer> ids, boolean fed) {
    if (!fed) {
      return null;
    }
    List<Integer> types = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      types.add(0);
    }
    return types;
  }

  /**
   * struct(pieces, piece_count, truncated, note, input_ids, attention_mask, token_type_ids).
   */
  static Row row(List<Row> pieces, int pieceCount, boolean truncated, String note,
      List<Integer> ids, boolean typeIdsFed) {
    return RowFactory.create(pieces, pieceCount, truncated, note,
        scala.collection.JavaConverters.asScalaBuffer(ids).toSeq(),
        scala.collection.JavaConverters.asScalaBuffer(attentionMask(ids)).toSeq(),
        typeIdsFed
            ? scala.collection.JavaConverters.asScalaBuffer(tokenTypeIds(ids, true)).toSeq()
            : null);
  }
}
