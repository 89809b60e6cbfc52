package hfparity.explain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF6;
import scala.collection.Seq;

/**
 * Spark SQL function explaining one report row on the executor (see ExplainRow).
 *
 * <p>Arguments: status, left record struct, right record struct (the record schema of
 * hf_reference/records.py; null for a missing side), cf_verdict, cf_max_abs_delta, tolerance.
 * Returns the struct compare/rows.py declares as EXPLAIN_DDL: word_alignment, piece_alignment,
 * first_divergence (schema.DIVERGENCE_TYPE), cause, sub_cause, cause_word, cause_position,
 * cause_evidence, cf_consistent. Called for rows that are not `same` only.
 */
public final class ExplainUdf implements UDF6<String, Row, Row, String, Double, Double, Row> {
  private static final long serialVersionUID = 1L;

  @Override
  public Row call(String status, Row left, Row right, String cfVerdict, Double cfMaxAbsDelta,
      Double tolerance) {
    ExplainRow.Result result = ExplainRow.explain(status, record(left), record(right), cfVerdict,
        cfMaxAbsDelta, tolerance == null ? 0.0 : tolerance);
    Divergence d = result.divergence;
    Cause c = result.cause;
    if (c == null) {  // a same row: nothing to explain, as explain_row's all-None
      return null;
    }
    return RowFactory.create(rows(result.wordAlignment), rows(result.pieceAlignment),
        d == null ? null : RowFactory.create(d.level, d.op, d.leftIndex, d.rightIndex, d.begin,
            d.end, d.leftWindow, d.rightWindow),
        c.cause, c.subCause, c.word, c.position, c.evidence, c.cfConsistent);
  }

  private static List<Row> rows(List<AlignOp> ops) {
    if (ops == null) {
      return null;
    }
    List<Row> out = new ArrayList<>(ops.size());
    for (AlignOp op : ops) {
      out.add(RowFactory.create(op.op, op.leftIndex, op.rightIndex, op.leftTokens,
          op.rightTokens, op.begin, op.end));
    }
    return out;
  }

  /** A record struct as a Record; null for a null struct or a null id (rows._present). */
  static Record record(Row row) {
    if (row == null) {
      return null;
    }
    String id = string(row, "id");
    if (id == null) {
      return null;
    }
    Record r = new Record();
    r.id = id;
    r.status = string(row, "status");
    r.error = string(row, "error");
    r.textSha256 = string(row, "text_sha256");
    r.textLength = integer(row, "text_length");
    r.words = tokens(row, "words", false);
    r.pieces = tokens(row, "pieces", true);
    r.piecesNote = string(row, "pieces_note");
    r.pieceCount = integer(row, "piece_count");
    int truncated = row.fieldIndex("truncated");
    r.truncated = row.isNullAt(truncated) ? null : row.getBoolean(truncated);
    r.label = string(row, "label");
    r.labelId = integer(row, "label_id");
    r.probabilities = doubles(row, "probabilities");
    r.logits = doubles(row, "logits");
    return r;
  }

  private static String string(Row row, String field) {
    int at = row.fieldIndex(field);
    return row.isNullAt(at) ? null : row.getString(at);
  }

  private static Integer integer(Row row, String field) {
    int at = row.fieldIndex(field);
    return row.isNullAt(at) ? null : row.getInt(at);
  }

  private static Integer integerAt(Row row, int at) {
    return row.isNullAt(at) ? null : row.getInt(at);
  }

  private static List<Token> tokens(Row row, String field, boolean pieces) {
    int at = row.fieldIndex(field);
    if (row.isNullAt(at)) {
      return null;
    }
    Seq<Row> items = row.getSeq(at);
    int n = items.size();
    if (n == 0) {
      return Collections.emptyList();
    }
    List<Token> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Row t = items.apply(i);
      if (t == null) {
        out.add(new Token(null, null, null, null));
      } else if (pieces) {  // piece, id, begin, end
        out.add(new Token(t.isNullAt(0) ? null : t.getString(0), integerAt(t, 1),
            integerAt(t, 2), integerAt(t, 3)));
      } else {  // text, begin, end
        out.add(new Token(t.isNullAt(0) ? null : t.getString(0), null, integerAt(t, 1),
            integerAt(t, 2)));
      }
    }
    return out;
  }

  private static double[] doubles(Row row, String field) {
    int at = row.fieldIndex(field);
    if (row.isNullAt(at)) {
      return null;
    }
    Seq<Object> items = row.getSeq(at);
    double[] out = new double[items.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = items.apply(i);
      out[i] = v == null ? Double.NaN : ((Number) v).doubleValue();
    }
    return out;
  }
}
