package hfparity;

import com.johnsnowlabs.nlp.Annotation;
import com.johnsnowlabs.nlp.annotators.common.TokenPiece;
import com.johnsnowlabs.nlp.annotators.common.TokenizedSentence;
import com.johnsnowlabs.nlp.annotators.common.TokenizedWithSentence;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF5;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The shell every Spark NLP pieces function shares ({@link SparkNlpWordpieces}, {@link
 * SparkNlpBpePieces}, {@link SparkNlpSentencePieces}); a subclass holds only its family's
 * encoding ({@link #prepare}) and piece offsets ({@link #offsets}).
 *
 * <p>Arguments: the row's document and token annotations (array of Spark NLP annotation structs,
 * as the classifier's batchAnnotate receives them), caseSensitive, maxSentenceLength, the
 * family's asset (a SparkFiles name or local path) and a last string the family reads (the
 * classification class' simple name, or the merges file). Every classifier unpacks the
 * annotations with TokenizedWithSentence.unpack and scores the first sentence; the model input
 * is then the start token, the first maxSentenceLength-2 pieces and the end token ({@link
 * ModelInput}). A null argument gives a null row; a row whose encoding throws gives a row with
 * only a note saying why (one odd row must not fail the job).
 *
 * <p>Spark's registerJavaFunction finds a UDF's arity in the interfaces its class declares
 * itself, so each subclass declares {@code implements UDF5<...>} again.
 */
abstract class PiecesFunction implements UDF5<Seq<Row>, Boolean, Integer, String, String, Row> {
  private static final long serialVersionUID = 1L;

  /** What a family's encoder made of one sentence, with its start and end tokens. */
  static final class Encoded {
    final TokenPiece[] pieces;
    final String start;
    final int startId;
    final String end;
    final int endId;
    /** Whether the family feeds token_type_ids (zeros). */
    final boolean typeIds;

    Encoded(TokenPiece[] pieces, String start, int startId, String end, int endId,
        boolean typeIds) {
      this.pieces = pieces;
      this.start = start;
      this.startId = startId;
      this.end = end;
      this.endId = endId;
      this.typeIds = typeIds;
    }
  }

  /** A family's encoder, ready for one row's first sentence. */
  interface Encoder {
    Encoded encode(TokenizedSentence sentence) throws Exception;
  }

  /**
   * Load what the family encodes with (cached per asset), before the annotations are read: a
   * failure here is the row's note even when the row has no tokens.
   */
  abstract Encoder prepare(boolean caseSensitive, String asset, String family) throws Exception;

  /** {begin, end} of each of the first {@code keep} pieces, as the record holds them. */
  abstract int[][] offsets(TokenPiece[] pieces, int keep);

  @Override
  public final Row call(Seq<Row> tokens, Boolean caseSensitive, Integer maxSentenceLength,
      String asset, String family) {
    try {
      return pieces(tokens, caseSensitive, maxSentenceLength, asset, family);
    } catch (Exception exc) {
      // One odd row must not fail the job: the record says why it has no pieces.
      Throwable cause = exc.getCause() != null ? exc.getCause() : exc;
      return RowFactory.create(null, null, null, "pieces UDF failed: " + cause, null, null, null);
    }
  }

  final Row pieces(Seq<Row> tokens, Boolean caseSensitive, Integer maxSentenceLength,
      String asset, String family) throws Exception {
    if (tokens == null || caseSensitive == null || maxSentenceLength == null || asset == null
        || family == null) {
      return null;
    }
    Encoder encoder = prepare(caseSensitive.booleanValue(), asset, family);
    List<Annotation> annotations = new ArrayList<>();
    for (Row row : JavaConverters.seqAsJavaList(tokens)) {
      annotations.add(Annotation.apply(row));
    }
    List<TokenizedSentence> sentences = JavaConverters.seqAsJavaList(
        TokenizedWithSentence.unpack(JavaConverters.asScalaBuffer(annotations).toSeq()));
    if (sentences.isEmpty()) {
      return RowFactory.create(new ArrayList<Row>(), 0, false,
          "no tokens: Spark NLP does not run the model", null, null, null);
    }
    // A document-level pipeline has one sentence; the classifier scores the first annotation.
    Encoded encoded = encoder.encode(sentences.get(0));
    TokenPiece[] all = encoded.pieces;
    int keep = Math.min(all.length, Math.max(0, maxSentenceLength - 2));
    List<Row> pieces = new ArrayList<>(keep + 2);
    List<Integer> pieceIds = new ArrayList<>(keep);
    pieces.add(RowFactory.create(encoded.start, encoded.startId, null, null));
    int[][] offsets = offsets(all, keep);
    for (int i = 0; i < keep; i++) {
      TokenPiece piece = all[i];
      pieces.add(RowFactory.create(piece.wordpiece(), piece.pieceId(), offsets[i][0],
          offsets[i][1]));
      pieceIds.add(piece.pieceId());
    }
    pieces.add(RowFactory.create(encoded.end, encoded.endId, null, null));
    String note = sentences.size() > 1
        ? sentences.size() + " sentences: pieces are the first sentence's" : null;
    return ModelInput.row(pieces, all.length + 2, all.length > keep, note,
        ModelInput.inputIds(encoded.startId, pieceIds, encoded.endId), encoded.typeIds);
  }
}
