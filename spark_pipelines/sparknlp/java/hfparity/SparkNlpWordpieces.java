package hfparity;

import com.johnsnowlabs.nlp.annotators.classifier.dl.BertForSequenceClassification;
import com.johnsnowlabs.nlp.annotators.classifier.dl.DistilBertForSequenceClassification;
import com.johnsnowlabs.nlp.annotators.common.TokenPiece;
import com.johnsnowlabs.nlp.annotators.common.TokenizedSentence;
import com.johnsnowlabs.nlp.annotators.common.WordpieceTokenizedSentence;
import com.johnsnowlabs.nlp.annotators.tokenizer.wordpiece.BasicTokenizer;
import com.johnsnowlabs.nlp.annotators.tokenizer.wordpiece.BasicTokenizer$;
import com.johnsnowlabs.nlp.annotators.tokenizer.wordpiece.WordpieceEncoder;
import com.johnsnowlabs.nlp.annotators.tokenizer.wordpiece.WordpieceEncoder$;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF5;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The word pieces Spark NLP 5.5.3's WordPiece sequence classifiers (BertForSequenceClassification,
 * DistilBertForSequenceClassification) feed their model, computed by Spark NLP's own code.
 *
 * <p>XxxForSequenceClassification.batchAnnotate unpacks the row's token annotations with
 * TokenizedWithSentence.unpack and calls the family's classification class'
 * tokenizeWithAlignment (com.johnsnowlabs.ml.ai.BertClassification or DistilBertClassification),
 * whose per-sentence body is the compiled lambda {@code $anonfun$tokenizeWithAlignment$1(
 * caseSensitive, basicTokenizer, encoder, maxSeqLength, sentence)}: the same signature in both
 * classes (javap on the 5.5.3 jar). We call that very lambda, of the class named by the last
 * argument, with a BasicTokenizer and a WordpieceEncoder built exactly as tokenizeWithAlignment
 * builds them
 * (constructor defaults from their companions). We do not construct BertClassification itself:
 * its constructor reads ONNX session options from the active SparkSession, which executors do
 * not have. maxSeqLength is unbounded so the count before truncation is known; the model input is
 * then [CLS] + the first maxSentenceLength-2 pieces + [SEP], as XXXForClassification.encode does.
 *
 * <p>The shell (arguments, unpacking, the model input, the error row) is {@link PiecesFunction}'s;
 * the asset is the vocabulary file (one token a line in id order), the last argument the
 * classification class' simple name (BertClassification, DistilBertClassification). Piece
 * begin/end are Spark NLP's: UTF-16 units, end inclusive; [CLS]/[SEP] have null offsets.
 */
public final class SparkNlpWordpieces extends PiecesFunction
    implements UDF5<Seq<Row>, Boolean, Integer, String, String, Row> {
  private static final long serialVersionUID = 1L;
  private static final String CLASSIFICATION_PACKAGE = "com.johnsnowlabs.ml.ai.";
  private static final Map<String, Vocabulary> VOCABULARIES = new ConcurrentHashMap<>();
  // The lambda is synthetic, so javac cannot name it: look it up once per class by reflection.
  private static final Map<String, Method> TOKENIZE_SENTENCE = new ConcurrentHashMap<>();

  private static Method tokenizeSentenceMethod(String classification) {
    Class<?> owner;
    try {
      owner = Class.forName(CLASSIFICATION_PACKAGE + classification);
    } catch (ClassNotFoundException exc) {
      throw new IllegalStateException("no Spark NLP class " + CLASSIFICATION_PACKAGE
          + classification + "; expected BertClassification or DistilBertClassification", exc);
    }
    try {
      return owner.getDeclaredMethod(
          "$anonfun$tokenizeWithAlignment$1",
          boolean.class,
          BasicTokenizer.class,
          WordpieceEncoder.class,
          int.class,
          TokenizedSentence.class);
    } catch (NoSuchMethodException exc) {
      throw new IllegalStateException(
          "this Spark NLP build has no " + classification + " tokenizeWithAlignment lambda with the "
              + "5.5.3 signature; rebuild the pieces UDF for this release",
          exc);
    }
  }

  /** A vocabulary as the Scala map Spark NLP's WordpieceEncoder wants, plus the special ids. */
  static final class Vocabulary {
    final scala.collection.immutable.Map<String, Object> tokens;
    final int cls;
    final int sep;

    Vocabulary(scala.collection.immutable.Map<String, Object> tokens, int cls, int sep) {
      this.tokens = tokens;
      this.cls = cls;
      this.sep = sep;
    }
  }

  @Override
  Encoder prepare(boolean caseSensitive, String vocab, String classification) {
    Method tokenizeSentence = TOKENIZE_SENTENCE.computeIfAbsent(classification,
        SparkNlpWordpieces::tokenizeSentenceMethod);
    Vocabulary vocabulary = VOCABULARIES.computeIfAbsent(vocab, SparkNlpWordpieces::loadVocabulary);
    return sentence -> {
      BasicTokenizer basic =
          new BasicTokenizer(caseSensitive, BasicTokenizer$.MODULE$.$lessinit$greater$default$2());
      WordpieceEncoder encoder =
          new WordpieceEncoder(
              vocabulary.tokens,
              WordpieceEncoder$.MODULE$.$lessinit$greater$default$2(),
              WordpieceEncoder$.MODULE$.$lessinit$greater$default$3(),
              WordpieceEncoder$.MODULE$.$lessinit$greater$default$4());
      WordpieceTokenizedSentence wordpieces =
          (WordpieceTokenizedSentence)
              tokenizeSentence.invoke(
                  null, caseSensitive, basic, encoder, Integer.MAX_VALUE, sentence);
      // BertClassification feeds token_type_ids (zeros); DistilBertClassification does not.
      return new Encoded(wordpieces.tokens(), "[CLS]", vocabulary.cls, "[SEP]", vocabulary.sep,
          "BertClassification".equals(classification));
    };
  }

  /** The encoder's own offsets. */
  @Override
  int[][] offsets(TokenPiece[] pieces, int keep) {
    int[][] offsets = new int[keep][];
    for (int i = 0; i < keep; i++) {
      offsets[i] = new int[] {pieces[i].begin(), pieces[i].end()};
    }
    return offsets;
  }

  static Vocabulary loadVocabulary(String name) {
    Path path = Paths.get(name);
    if (!Files.isRegularFile(path)) {
      path = Paths.get(SparkFiles.get(name));
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (IOException exc) {
      throw new IllegalStateException("vocabulary " + path + ": " + exc, exc);
    }
    Map<String, Object> tokens = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      tokens.putIfAbsent(lines.get(i), i);
    }
    if (!tokens.containsKey("[CLS]") || !tokens.containsKey("[SEP]")) {
      throw new IllegalStateException("vocabulary " + path + ": no [CLS] or [SEP]");
    }
    return new Vocabulary(
        toScala(tokens), (Integer) tokens.get("[CLS]"), (Integer) tokens.get("[SEP]"));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static scala.collection.immutable.Map<String, Object> toScala(Map<String, Object> map) {
    return (scala.collection.immutable.Map<String, Object>)
        JavaConverters.mapAsScalaMapConverter(map)
            .asScala()
            .toMap((scala.Predef.$less$colon$less) scala.Predef$.MODULE$.$conforms());
  }

  /**
   * Write the vocabulary a loaded model really uses, one token a line in id order, so the UDF
   * reads the same map the model encodes with (not a copy that may have drifted). Returns the
   * number of ids written. Called on the driver through py4j.
   */
  public static int writeVocabulary(BertForSequenceClassification model, String file)
      throws IOException {
    return writeVocabulary(model.vocabulary().getOrDefault(), file);
  }

  /** As above, for DistilBertForSequenceClassification. */
  public static int writeVocabulary(DistilBertForSequenceClassification model, String file)
      throws IOException {
    return writeVocabulary(model.vocabulary().getOrDefault(), file);
  }

  static int writeVocabulary(scala.collection.immutable.Map<String, Object> vocabulary, String file)
      throws IOException {
    Map<String, Object> java = JavaConverters.mapAsJavaMapConverter(vocabulary).asJava();
    int size = 0;
    for (Object id : java.values()) {
      size = Math.max(size, ((Number) id).intValue() + 1);
    }
    String[] byId = new String[size];
    for (Map.Entry<String, Object> entry : java.entrySet()) {
      int id = ((Number) entry.getValue()).intValue();
      if (byId[id] != null) {
        throw new IllegalStateException("vocabulary: id " + id + " used twice");
      }
      byId[id] = entry.getKey();
    }
    List<String> lines = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      // A gap would shift ids; a token no text can produce keeps every id in place.
      lines.add(byId[i] != null ? byId[i] : "[hfparity-unused-" + i + "]");
    }
    Files.write(Paths.get(file), lines, StandardCharsets.UTF_8);
    return size;
  }
}
