package hfparity;

import com.johnsnowlabs.nlp.annotators.classifier.dl.RoBertaForSequenceClassification;
import com.johnsnowlabs.nlp.annotators.common.TokenPiece;
import com.johnsnowlabs.nlp.annotators.common.TokenizedSentence;
import com.johnsnowlabs.nlp.annotators.common.WordpieceTokenizedSentence;
import com.johnsnowlabs.nlp.annotators.tokenizer.bpe.BpeTokenizer;
import com.johnsnowlabs.nlp.annotators.tokenizer.bpe.BpeTokenizer$;
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
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The BPE pieces and model input Spark NLP 5.5.3's RoBertaForSequenceClassification feeds its
 * model, computed by Spark NLP's own code.
 *
 * <p>RoBertaClassification.tokenizeWithAlignment builds {@code BpeTokenizer.forModel("roberta",
 * merges, vocabulary, alwaysAddPrefix = false)} (the other arguments at their defaults) and maps
 * each sentence through the compiled lambda {@code $anonfun$tokenizeWithAlignment$1(
 * caseSensitive, bpeTokenizer, maxSeqLength, sentence)} (javap on the 5.5.3 jar). We build the
 * tokenizer the same way, from the merges and vocabulary the loaded model holds (written by
 * {@link #writeAssets}), and call that very lambda with an unbounded maxSeqLength, so the count
 * before truncation is known; the model input follows {@link ModelInput}.
 *
 * <p>Arguments ({@link PiecesFunction}, which holds the shell): the row's document and token
 * annotations, caseSensitive, maxSentenceLength, the
 * vocabulary file and the merges file (SparkFiles names or local paths). Returns the struct of
 * {@link ModelInput#row}; piece begin/end are UTF-16 units, end inclusive, of the characters
 * each piece's bytes belong to ({@link ByteLevelOffsets}: Spark NLP's own count one character
 * per byte), the sentence start and end pieces have null offsets.
 */
public final class SparkNlpBpePieces extends PiecesFunction
    implements UDF5<Seq<Row>, Boolean, Integer, String, String, Row> {
  private static final long serialVersionUID = 1L;
  private static final String CLASSIFICATION = "com.johnsnowlabs.ml.ai.RoBertaClassification";
  private static final Map<String, BpeTokenizer> TOKENIZERS = new ConcurrentHashMap<>();
  private static final Map<String, int[]> SPECIAL_IDS = new ConcurrentHashMap<>();
  private static volatile Method tokenizeSentence;

  private static Method tokenizeSentenceMethod() {
    try {
      return Class.forName(CLASSIFICATION)
          .getDeclaredMethod("$anonfun$tokenizeWithAlignment$1", boolean.class,
              BpeTokenizer.class, int.class, TokenizedSentence.class);
    } catch (ClassNotFoundException | NoSuchMethodException exc) {
      throw new IllegalStateException("this Spark NLP build has no RoBertaClassification "
          + "tokenizeWithAlignment lambda with the 5.5.3 signature; rebuild the pieces UDF", exc);
    }
  }

  @Override
  Encoder prepare(boolean caseSensitive, String vocab, String merges) {
    if (tokenizeSentence == null) {
      tokenizeSentence = tokenizeSentenceMethod();
    }
    String key = vocab + "\u0000" + merges;
    BpeTokenizer bpe = TOKENIZERS.computeIfAbsent(key, k -> load(vocab, merges));
    int[] special = SPECIAL_IDS.get(key);
    return sentence -> {
      WordpieceTokenizedSentence encoded = (WordpieceTokenizedSentence) tokenizeSentence.invoke(
          null, caseSensitive, bpe, Integer.MAX_VALUE, sentence);
      return new Encoded(encoded.tokens(), "<s>", special[0], "</s>", special[1], false);
    };
  }

  @Override
  int[][] offsets(TokenPiece[] pieces, int keep) {
    return ByteLevelOffsets.of(pieces, keep);
  }

  private static Path local(String name) {
    Path path = Paths.get(name);
    return Files.isRegularFile(path) ? path : Paths.get(SparkFiles.get(name));
  }

  /** The tokenizer tokenizeWithAlignment builds, from the files writeAssets wrote. */
  static BpeTokenizer load(String vocabName, String mergesName) {
    try {
      List<String> vocabLines = Files.readAllLines(local(vocabName), StandardCharsets.UTF_8);
      List<String> mergeLines = Files.readAllLines(local(mergesName), StandardCharsets.UTF_8);
      Map<String, Object> vocab = new HashMap<>();
      for (int i = 0; i < vocabLines.size(); i++) {
        vocab.putIfAbsent(vocabLines.get(i), i);
      }
      // loadSavedModel's rule: split on " ", keep lines of exactly two parts, rank = index.
      Map<Tuple2<String, String>, Object> ranks = new HashMap<>();
      int rank = 0;
      for (String line : mergeLines) {
        String[] parts = line.split(" ");
        if (parts.length == 2) {
          ranks.putIfAbsent(new Tuple2<>(parts[0], parts[1]), rank);
          rank++;
        }
      }
      if (!vocab.containsKey("<s>") || !vocab.containsKey("</s>")) {
        throw new IllegalStateException("vocabulary " + vocabName + ": no <s> or </s>");
      }
      SPECIAL_IDS.put(vocabName + "\u0000" + mergesName,
          new int[] {(Integer) vocab.get("<s>"), (Integer) vocab.get("</s>")});
      BpeTokenizer$ companion = BpeTokenizer$.MODULE$;
      return companion.forModel("roberta", toScala(ranks), toScala(vocab),
          companion.forModel$default$4(), companion.forModel$default$5(),
          companion.forModel$default$6(), false);
    } catch (IOException exc) {
      throw new IllegalStateException("BPE assets " + vocabName + ", " + mergesName + ": " + exc,
          exc);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static <K> scala.collection.immutable.Map<K, Object> toScala(Map<K, Object> map) {
    return (scala.collection.immutable.Map<K, Object>)
        JavaConverters.mapAsScalaMapConverter(map).asScala()
            .toMap((scala.Predef.$less$colon$less) scala.Predef$.MODULE$.$conforms());
  }

  /**
   * Write the vocabulary (one token a line in id order) and the merges (one "a b" pair a line in
   * rank order) the loaded model really uses. Returns the number of ids written. Called on the
   * driver through py4j.
   */
  public static int writeAssets(RoBertaForSequenceClassification model, String vocabFile,
      String mergesFile) throws IOException {
    int size = SparkNlpWordpieces.writeVocabulary(model.vocabulary().getOrDefault(), vocabFile);
    Map<Tuple2<String, String>, Object> merges =
        JavaConverters.mapAsJavaMapConverter(model.merges().getOrDefault()).asJava();
    String[] byRank = new String[merges.size()];
    for (Map.Entry<Tuple2<String, String>, Object> entry : merges.entrySet()) {
      int rank = ((Number) entry.getValue()).intValue();
      if (rank < 0 || rank >= byRank.length || byRank[rank] != null) {
        throw new IllegalStateException("merges: rank " + rank + " out of order");
      }
      byRank[rank] = entry.getKey()._1() + " " + entry.getKey()._2();
    }
    List<String> lines = new ArrayList<>(byRank.length);
    for (String line : byRank) {
      lines.add(line);
    }
    Files.write(Paths.get(mergesFile), lines, StandardCharsets.UTF_8);
    return size;
  }
}
