package hfparity;

import com.johnsnowlabs.ml.tensorflow.sentencepiece.SentencePieceWrapper;
import com.johnsnowlabs.ml.tensorflow.sentencepiece.SentencepieceEncoder;
import com.johnsnowlabs.nlp.annotators.common.TokenPiece;
import com.johnsnowlabs.nlp.annotators.common.TokenizedSentence;
import com.johnsnowlabs.nlp.annotators.common.WordpieceTokenizedSentence;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF5;
import scala.collection.Seq;

/**
 * The SentencePiece pieces and model input Spark NLP 5.5.3's XLM-RoBERTa, DeBERTa and ALBERT
 * sequence classifiers feed their model, computed by Spark NLP's own code.
 *
 * <p>Each classification class' tokenizeWithAlignment builds a SentencepieceEncoder(spp,
 * caseSensitive, delimiterId = spp.pieceToId("▁"), pieceIdOffset) and maps each sentence through
 * the compiled lambda {@code $anonfun$tokenizeWithAlignment$1(maxSeqLength, encoder, sentence)}
 * (the same signature in the three classes: javap on the 5.5.3 jar). We build the encoder the
 * same way from the model's own SentencePiece model (written by {@link #writeModel}) and call
 * that very lambda with an unbounded maxSeqLength. Per class (read in the 5.5.3 sources):
 * XlmRoBertaClassification: offset 1, start id 0, end id 2 (constants); DeBertaClassification:
 * offset 1, start/end {@code pieceToId("[CLS]")}/{@code pieceToId("[SEP]")} (no offset);
 * AlbertClassification: offset 0 (the constructor default), start/end as DeBERTa's. The model
 * input then follows {@link ModelInput} (ALBERT is fed token_type_ids).
 *
 * <p>Arguments ({@link PiecesFunction}, which holds the shell): document and token
 * annotations, caseSensitive, maxSentenceLength, the
 * SentencePiece model file (SparkFiles name or local path), the classification class' simple
 * name. Returns the struct of {@link ModelInput#row}; piece offsets are the characters each piece
 * stands for ({@link SentencePieceOffsets}), not the encoder's.
 */
public final class SparkNlpSentencePieces extends PiecesFunction
    implements UDF5<Seq<Row>, Boolean, Integer, String, String, Row> {
  private static final long serialVersionUID = 1L;
  private static final String PACKAGE = "com.johnsnowlabs.ml.ai.";
  private static final Map<String, SentencePieceWrapper> MODELS = new ConcurrentHashMap<>();
  private static final Map<String, Method> TOKENIZE_SENTENCE = new ConcurrentHashMap<>();

  private static Method tokenizeSentenceMethod(String classification) {
    try {
      return Class.forName(PACKAGE + classification).getDeclaredMethod(
          "$anonfun$tokenizeWithAlignment$1", int.class, SentencepieceEncoder.class,
          TokenizedSentence.class);
    } catch (ClassNotFoundException | NoSuchMethodException exc) {
      throw new IllegalStateException("this Spark NLP build has no " + classification
          + " tokenizeWithAlignment lambda with the 5.5.3 signature; rebuild the pieces UDF", exc);
    }
  }

  /** {start id, end id, piece id offset, token_type_ids fed (1/0)} of a classification class. */
  static int[] rules(String classification, SentencePieceWrapper spp) {
    switch (classification) {
      case "XlmRoBertaClassification":
        return new int[] {0, 2, 1, 0};
      case "DeBertaClassification":
        return new int[] {spp.getSppModel().pieceToId("[CLS]"),
            spp.getSppModel().pieceToId("[SEP]"), 1, 0};
      case "AlbertClassification":
        return new int[] {spp.getSppModel().pieceToId("[CLS]"),
            spp.getSppModel().pieceToId("[SEP]"), 0, 1};
      default:
        throw new IllegalArgumentException("no SentencePiece rules for " + classification);
    }
  }

  @Override
  Encoder prepare(boolean caseSensitive, String model, String classification) {
    Method tokenizeSentence = TOKENIZE_SENTENCE.computeIfAbsent(classification,
        SparkNlpSentencePieces::tokenizeSentenceMethod);
    SentencePieceWrapper spp = MODELS.computeIfAbsent(model, SparkNlpSentencePieces::load);
    int[] rule = rules(classification, spp);
    return sentence -> {
      SentencepieceEncoder encoder = new SentencepieceEncoder(spp, caseSensitive,
          spp.getSppModel().pieceToId("\u2581"), rule[2]);
      // maxSeqLength - 2 must not overflow: the lambda takes that many tokens.
      WordpieceTokenizedSentence encoded = (WordpieceTokenizedSentence) tokenizeSentence.invoke(
          null, Integer.MAX_VALUE - 2, encoder, sentence);
      boolean xlm = "XlmRoBertaClassification".equals(classification);
      return new Encoded(encoded.tokens(), xlm ? "<s>" : "[CLS]", rule[0],
          xlm ? "</s>" : "[SEP]", rule[1], rule[3] == 1);
    };
  }

  @Override
  int[][] offsets(TokenPiece[] pieces, int keep) {
    return SentencePieceOffsets.of(pieces, keep);
  }

  static SentencePieceWrapper load(String name) {
    Path path = Paths.get(name);
    if (!Files.isRegularFile(path)) {
      path = Paths.get(SparkFiles.get(name));
    }
    try {
      return new SentencePieceWrapper(Files.readAllBytes(path));
    } catch (IOException exc) {
      throw new IllegalStateException("SentencePiece model " + path + ": " + exc, exc);
    }
  }

  /**
   * Write the SentencePiece model a loaded XLM-R / DeBERTa / ALBERT classifier really uses
   * (its getModelIfNotSet().spp()). Returns the bytes written. Called on the driver via py4j.
   */
  public static int writeModel(Object classifier, String file) throws Exception {
    Object classification = classifier.getClass().getMethod("getModelIfNotSet").invoke(classifier);
    SentencePieceWrapper spp =
        (SentencePieceWrapper) classification.getClass().getMethod("spp").invoke(classification);
    byte[] bytes = spp.sppModel();
    Files.write(Paths.get(file), bytes);
    return bytes.length;
  }
}
