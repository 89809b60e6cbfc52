package hfparity.explain;

/**
 * One word token or model-input piece of a prediction record, as the join sees it.
 *
 * <p>{@code text} is the word's text or the piece string; {@code id} is the vocabulary id
 * (pieces only, may be null); {@code begin}/{@code end} are code-point offsets, end exclusive,
 * null for [CLS]/[SEP].
 */
public final class Token {
  public final String text;
  public final Integer id;
  public final Integer begin;
  public final Integer end;

  public Token(String text, Integer id, Integer begin, Integer end) {
    this.text = text;
    this.id = id;
    this.begin = begin;
    this.end = end;
  }

  /** What the token says, never null. */
  public String say() {
    return text == null ? "" : text;
  }

  public boolean hasSpan() {
    return begin != null && end != null;
  }
}
