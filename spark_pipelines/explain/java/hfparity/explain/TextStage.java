package hfparity.explain;

import static hfparity.explain.Attribute.TEXT;
import static hfparity.explain.Attribute.cause;

/** Stage text: the two runs did not read the same text (text_length or text_sha256). */
final class TextStage {
  private TextStage() {}

  /** Stage text: text_length or text_sha256 differ. */
  static Cause text(Record l, Record r) {
    String parts = null;
    if (l.textLength != null && r.textLength != null && !l.textLength.equals(r.textLength)) {
      parts = "text_length " + l.textLength + " vs " + r.textLength;
    }
    if (l.textSha256 != null && r.textSha256 != null && !l.textSha256.equals(r.textSha256)) {
      String sha = "sha256 " + Evidence.digest(l.textSha256) + " vs "
          + Evidence.digest(r.textSha256);
      parts = parts == null ? sha : parts + "; " + sha;
    }
    return parts == null ? null : cause(TEXT, null, null, null, parts);
  }
}
