package hfparity.explain;

import java.util.List;

/**
 * One prediction record (parity_core/records.py RECORD_FIELDS) with Java types; any field may
 * be null, as in the parquet. Lists of probabilities/logits hold NaN where the parquet has null.
 */
public final class Record {
  public String id;
  public String status;
  public String error;
  public String textSha256;
  public Integer textLength;
  public List<Token> words;
  public List<Token> pieces;
  public String piecesNote;
  public Integer pieceCount;
  public Boolean truncated;
  public String label;
  public Integer labelId;
  public double[] probabilities;
  public double[] logits;
  /** What the side fed its model (null when not recorded): ids, mask, token type ids. */
  public int[] inputIds;
  public int[] attentionMask;
  public int[] tokenTypeIds;
}
