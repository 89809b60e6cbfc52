package hfparity.explain;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.IndexedSeq;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The row explanation (see ExplainRow) as a Catalyst expression, run on the executors.
 *
 * <p>Why an expression and not a Java UDF: a UDF receives its struct arguments as external Rows
 * and returns external Rows, and Spark converts both ways for every row; with two records of word
 * and piece arrays in and two alignments out, that conversion cost more than the explanation.
 * Here the records are read straight from Spark's internal rows and the result is built as one.
 *
 * <p>Arguments, in order: status, left record struct, right record struct (the record schema of
 * parity_core/records.py; null for a missing side), cf_verdict, cf_max_abs_delta, tolerance,
 * and optionally the label-flip re-run's flip_tried, flip_alone, flip_words_tried,
 * flip_word_alone, decisive_unit, decisive_word (explain/flips.py; compare/rows.py
 * FLIP_COLUMNS). Returns {@link #TYPE} (explain/explanation.py's EXPLAIN_DDL); null for a
 * `same` row.
 */
public final class ExplainExpression extends Expression implements CodegenFallback, Serializable {
  private static final long serialVersionUID = 1L;

  /** explain/explanation.py EXPLAIN_DDL; {@link #column} refuses to run if the two drift. */
  public static final StructType TYPE = StructType.fromDDL(
      "word_alignment " + alignedType() + ", piece_alignment " + alignedType()
      + ", first_divergence struct<level:string,op:string,left_index:int,right_index:int,"
      + "begin:int,end:int,left_window:array<string>,right_window:array<string>>"
      + ", cause string, sub_cause string, cause_word string, cause_position int"
      + ", cause_evidence string, cf_consistent boolean");

  private static final String[] RECORD_FIELDS = {"id", "status", "error", "text_sha256",
      "text_length", "words", "pieces", "pieces_note", "piece_count", "truncated", "label",
      "label_id", "probabilities", "logits", "input_ids", "attention_mask", "token_type_ids"};
  // Fields records written before them lack (parity_core.records.OPTIONAL_COLUMNS): -1 there.
  private static final int FIRST_OPTIONAL = 14;

  private final Seq<Expression> arguments;
  private transient Expression[] args;  // the arguments, indexed in O(1) per row
  private transient int[] leftOrdinals;
  private transient int[] rightOrdinals;

  public ExplainExpression(Seq<Expression> arguments) {
    this.arguments = arguments;
  }

  private static String alignedType() {
    return "array<struct<op:string,left_index:int,right_index:int,left_tokens:array<string>,"
        + "right_tokens:array<string>,begin:int,end:int>>";
  }

  /**
   * The explanation column over the six argument columns; `expectedDdl` is the caller's idea of
   * the result type, checked here so a Python/Java drift fails at plan time, not in a worker.
   */
  public static Column column(String expectedDdl, Column status, Column left, Column right,
      Column cfVerdict, Column cfMaxAbsDelta, Column tolerance) {
    return column(expectedDdl, Arrays.asList(status.expr(), left.expr(), right.expr(),
        cfVerdict.expr(), cfMaxAbsDelta.expr(), tolerance.expr()));
  }

  /**
   * As above, plus the label-flip re-run of the row (explain/flips.py, the report's flip
   * columns in compare/rows.py FLIP_COLUMNS order): piece differences re-run (int), those that
   * alone flip (array of piece_alignment indexes), words re-run (int), the words whose
   * differences together flip (array of struct word, begin, end, differences), the decisive
   * unit and word (strings); all null when it did not run.
   */
  public static Column column(String expectedDdl, Column status, Column left, Column right,
      Column cfVerdict, Column cfMaxAbsDelta, Column tolerance, Column flipTried,
      Column flipAlone, Column flipWordsTried, Column flipWordAlone, Column decisiveUnit,
      Column decisiveWord) {
    return column(expectedDdl, Arrays.asList(status.expr(), left.expr(), right.expr(),
        cfVerdict.expr(), cfMaxAbsDelta.expr(), tolerance.expr(), flipTried.expr(),
        flipAlone.expr(), flipWordsTried.expr(), flipWordAlone.expr(), decisiveUnit.expr(),
        decisiveWord.expr()));
  }

  private static Column column(String expectedDdl, List<Expression> exprs) {
    StructType expected = StructType.fromDDL(expectedDdl);
    if (!expected.equals(TYPE)) {
      throw new IllegalStateException("explanation type drift: the caller expects "
          + expected.simpleString() + " but hfparity.explain.ExplainExpression returns "
          + TYPE.simpleString()
          + " (rebuild the functions jar: python -m spark_pipelines.jvm.build_jar)");
    }
    return new Column(new ExplainExpression(
        JavaConverters.asScalaBufferConverter(exprs).asScala().toList()));
  }

  @Override
  public Seq<Expression> children() {
    return arguments;
  }

  @Override
  public boolean nullable() {
    return true;
  }

  @Override
  public DataType dataType() {
    return TYPE;
  }

  @Override
  public String prettyName() {
    return "hfparity_explain_row";
  }

  @Override
  public Object eval(InternalRow input) {
    if (args == null) {
      Expression[] found = new Expression[arguments.size()];
      for (int i = 0; i < found.length; i++) {
        found[i] = arguments.apply(i);
      }
      leftOrdinals = ordinals((StructType) found[1].dataType());
      rightOrdinals = ordinals((StructType) found[2].dataType());
      args = found;
    }
    UTF8String status = (UTF8String) args[0].eval(input);
    InternalRow left = (InternalRow) args[1].eval(input);
    InternalRow right = (InternalRow) args[2].eval(input);
    UTF8String cfVerdict = (UTF8String) args[3].eval(input);
    Double cfMaxAbsDelta = (Double) args[4].eval(input);
    Double tolerance = (Double) args[5].eval(input);
    ExplainRow.Result result = ExplainRow.explain(string(status),
        record(left, leftOrdinals), record(right, rightOrdinals), string(cfVerdict),
        cfMaxAbsDelta, tolerance == null ? 0.0 : tolerance,
        args.length > 6 ? flipRun(input) : null);
    Cause c = result.cause;
    if (c == null) {  // a same row: nothing to explain
      return null;
    }
    Divergence d = result.divergence;
    return new GenericInternalRow(new Object[] {
        ops(result.wordAlignment), ops(result.pieceAlignment),
        d == null ? null : new GenericInternalRow(new Object[] {utf(d.level), utf(d.op),
            d.leftIndex, d.rightIndex, d.begin, d.end, strings(d.leftWindow),
            strings(d.rightWindow)}),
        utf(c.cause), utf(c.subCause), utf(c.word), c.position, utf(c.evidence),
        c.cfConsistent});
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    return CodegenFallback.super.doGenCode(ctx, ev);
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    return new ExplainExpression(newChildren);
  }

  @Override
  public int productArity() {
    return 1;
  }

  @Override
  public Object productElement(int n) {
    if (n != 0) {
      throw new IndexOutOfBoundsException(Integer.toString(n));
    }
    return arguments;
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof ExplainExpression;
  }

  /** The flip columns (arguments 6 to 11) of this row. */
  private FlipRun flipRun(InternalRow input) {
    ArrayData alone = (ArrayData) args[7].eval(input);
    ArrayData words = (ArrayData) args[9].eval(input);
    List<FlipRun.Word> wordAlone = null;
    if (words != null) {
      wordAlone = new ArrayList<>(words.numElements());
      for (int i = 0; i < words.numElements(); i++) {
        InternalRow w = words.getStruct(i, 4);
        wordAlone.add(new FlipRun.Word(string(w, 0), ints(w, 3)));
      }
    }
    return new FlipRun((Integer) args[6].eval(input), alone == null ? null : alone.toIntArray(),
        (Integer) args[8].eval(input), wordAlone, string((UTF8String) args[10].eval(input)),
        string((UTF8String) args[11].eval(input)));
  }

  // --- reading a record straight from Spark's internal row --------------------------------

  private static int[] ordinals(StructType record) {
    int[] out = new int[RECORD_FIELDS.length];
    java.util.Set<String> names = new java.util.HashSet<>(Arrays.asList(record.fieldNames()));
    for (int i = 0; i < out.length; i++) {
      out[i] = i >= FIRST_OPTIONAL && !names.contains(RECORD_FIELDS[i])
          ? -1 : record.fieldIndex(RECORD_FIELDS[i]);
    }
    return out;
  }

  /** A record struct as a Record; null for a null struct or a null id (no record). */
  static Record record(InternalRow row, int[] at) {
    if (row == null || row.isNullAt(at[0])) {
      return null;
    }
    Record r = new Record();
    r.id = row.getUTF8String(at[0]).toString();
    r.status = string(row, at[1]);
    r.error = string(row, at[2]);
    r.textSha256 = string(row, at[3]);
    r.textLength = integer(row, at[4]);
    r.words = tokens(row, at[5], false);
    r.pieces = tokens(row, at[6], true);
    r.piecesNote = string(row, at[7]);
    r.pieceCount = integer(row, at[8]);
    r.truncated = row.isNullAt(at[9]) ? null : row.getBoolean(at[9]);
    r.label = string(row, at[10]);
    r.labelId = integer(row, at[11]);
    r.probabilities = doubles(row, at[12]);
    r.logits = doubles(row, at[13]);
    r.inputIds = ints(row, at[14]);
    r.attentionMask = ints(row, at[15]);
    r.tokenTypeIds = ints(row, at[16]);
    return r;
  }

  private static int[] ints(InternalRow row, int at) {
    if (at < 0 || row.isNullAt(at)) {
      return null;
    }
    ArrayData items = row.getArray(at);
    int[] out = new int[items.numElements()];
    for (int i = 0; i < out.length; i++) {
      out[i] = items.isNullAt(i) ? Integer.MIN_VALUE : items.getInt(i);
    }
    return out;
  }

  private static String string(UTF8String value) {
    return value == null ? null : value.toString();
  }

  private static String string(InternalRow row, int at) {
    return row.isNullAt(at) ? null : row.getUTF8String(at).toString();
  }

  private static Integer integer(InternalRow row, int at) {
    return row.isNullAt(at) ? null : row.getInt(at);
  }

  /** words: struct(text, begin, end); pieces: struct(piece, id, begin, end). */
  private static List<Token> tokens(InternalRow row, int at, boolean pieces) {
    if (row.isNullAt(at)) {
      return null;
    }
    ArrayData items = row.getArray(at);
    int n = items.numElements();
    if (n == 0) {
      return Collections.emptyList();
    }
    int fields = pieces ? 4 : 3;
    List<Token> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (items.isNullAt(i)) {
        out.add(new Token(null, null, null, null));
        continue;
      }
      InternalRow t = items.getStruct(i, fields);
      String text = string(t, 0);
      if (pieces) {
        out.add(new Token(text, integer(t, 1), integer(t, 2), integer(t, 3)));
      } else {
        out.add(new Token(text, null, integer(t, 1), integer(t, 2)));
      }
    }
    return out;
  }

  private static double[] doubles(InternalRow row, int at) {
    if (row.isNullAt(at)) {
      return null;
    }
    ArrayData items = row.getArray(at);
    double[] out = new double[items.numElements()];
    for (int i = 0; i < out.length; i++) {
      out[i] = items.isNullAt(i) ? Double.NaN : items.getDouble(i);
    }
    return out;
  }

  // --- building the result as Spark's internal values -------------------------------------

  private static UTF8String utf(String value) {
    return value == null ? null : UTF8String.fromString(value);
  }

  private static GenericArrayData strings(List<String> values) {
    if (values == null) {
      return null;
    }
    Object[] out = new Object[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = utf(values.get(i));
    }
    return new GenericArrayData(out);
  }

  private static GenericArrayData ops(List<AlignOp> ops) {
    if (ops == null) {
      return null;
    }
    Object[] out = new Object[ops.size()];
    for (int i = 0; i < out.length; i++) {
      AlignOp op = ops.get(i);
      out[i] = new GenericInternalRow(new Object[] {utf(op.op), op.leftIndex, op.rightIndex,
          strings(op.leftTokens), strings(op.rightTokens), op.begin, op.end});
    }
    return new GenericArrayData(out);
  }
}
