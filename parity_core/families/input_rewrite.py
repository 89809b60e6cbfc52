"""The input rewrite: what a model-side fix must do to Spark NLP 5.5.3's model input so that the
original graph sees what Hugging Face feeds it, per family, as data and as a pure function.

No pipeline setting reaches these family rules (read in the 5.5.3 sources, each family's module):
RoBERTa and XLM-R build the attention mask as `id != 0` and `<s>` is id 0 (start_token_masked);
DeBERTa-v2's SentencepieceEncoder adds 1 to every piece id, not to [CLS], [SEP] or [PAD]
(piece_id_offset); XLM-R feeds an unknown piece (SentencePiece id 0) as 0 + 1 = 1, its `<pad>`,
where Hugging Face feeds 3, `<unk>` (unknown_as_pad). A rewrite placed before the export's graph
(hf_reference/input_rewrite.py builds it as ONNX) undoes them from the ids alone, because Spark
NLP's row layout is fixed (XXXForClassification.encode): the start id, the pieces, the end id,
then the pad id up to the batch's longest row (batchAnnotate batches one document's sentences,
so a one-sentence row has no padding, a sentence-split one may). So:

- padding is the trailing run of the pad id: Spark NLP's end id is never the pad id, so an
  unknown piece fed as `<pad>` (XLM-R) is never in that run;
- the start is position 0, the end the last position before the padding; every other position
  is a piece;
- the mask the original graph gets is 1 up to the end, 0 on the padding (Hugging Face's), never
  Spark NLP's `id != 0` (which masks `<s>`, and, for RoBERTa and XLM-R whose pad is 1, would
  attend the padding).

`apply` is the rule the records use to state the effective input (what the original graph
gets); the ONNX graph states the same rule, and tests hold the two equal. `sparknlp_form` is the
forward direction (Hugging Face's input as Spark NLP feeds the same pieces), used only to check
a rewritten export against torch. The rewrite cannot tell a literal `<pad>` text token from an
unknown piece: Hugging Face's XLM-R tokenizer maps the text "<pad>" to id 1 (an added token),
and the rewrite then makes it <unk>.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from parity_core.families.base import START_MASKED
from parity_core.families.deberta import PIECE_ID_OFFSET, PIECE_ID_SHIFT
from parity_core.families.protobuf_wire import read_varint, varint
from parity_core.families.xlm_roberta import HF_UNKNOWN_ID, UNKNOWN_AS_PAD, UNKNOWN_PIECE_ID

# The ONNX model's metadata key that marks a rewritten export (its value: InputRewrite.to_json).
METADATA_KEY = "hfparity_input_rewrite"
# The rewrite's node and value names start with this, so they never meet the export's.
NAME_PREFIX = "hfparity_rewrite/"


@dataclass(frozen=True)
class InputRewrite:
    """What a family's rewrite does: the pad id Spark NLP pads with, the shift to take off every
    piece id, and the piece id to map to another; `rules` are the family rules it removes."""

    family: str
    rules: tuple[str, ...]
    pad_id: int
    piece_id_shift: int = 0  # subtracted from every piece position's id (DeBERTa: 1)
    unknown_from: int | None = None  # a piece fed as this id (XLM-R: 1, <pad>) ...
    unknown_to: int | None = None  # ... becomes this one (XLM-R: 3, <unk>)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> InputRewrite:
        data = json.loads(text)
        return cls(**{**data, "rules": tuple(data["rules"])})

    def describe(self) -> str:
        """One line a user reads: what the rewrite does to Spark NLP's input."""
        parts = ["the attention mask is 1 up to the end token and 0 on the padding (Spark NLP's "
                 "`id != 0` mask would mask <s>)" if START_MASKED in self.rules else
                 "the attention mask is 1 up to the end token and 0 on the padding"]
        if self.piece_id_shift:
            parts.append(f"every piece id is lowered by {self.piece_id_shift} (start, end and "
                         "padding kept)")
        if self.unknown_from is not None:
            parts.append(f"a piece fed as {self.unknown_from} (<pad>) becomes "
                         f"{self.unknown_to} (<unk>)")
        return "; ".join(parts)

    def apply(self, ids: Sequence[int]) -> tuple[list[int], list[int]]:
        """(input_ids, attention_mask) the original graph gets for one Spark NLP row."""
        end = _content_length(ids, self.pad_id) - 1
        out, mask = list(ids), [1 if i <= end else 0 for i in range(len(ids))]
        for position in range(1, end):
            if self.piece_id_shift:
                out[position] -= self.piece_id_shift
            if self.unknown_from is not None and out[position] == self.unknown_from:
                out[position] = int(self.unknown_to)  # type: ignore[arg-type]
        return out, mask

    def sparknlp_form(self, ids: Sequence[int], mask: Sequence[int]) -> tuple[list[int],
                                                                               list[int]]:
        """Hugging Face's row (start, pieces, end, padding) as Spark NLP feeds the same pieces:
        ids shifted up / unknown as <pad>, mask `id != 0`. Only for checking a rewrite."""
        end = sum(1 for m in mask if m) - 1
        out = list(ids)
        for position in range(1, end):
            if self.unknown_from is not None and out[position] == self.unknown_to:
                out[position] = self.unknown_from
            out[position] += self.piece_id_shift
        return out, [0 if i == 0 else 1 for i in out]


def _content_length(ids: Sequence[int], pad_id: int) -> int:
    """Positions before the trailing run of pad ids."""
    length = len(ids)
    while length and ids[length - 1] == pad_id:
        length -= 1
    return length


def family_rewrite(family: str, pad_id: int) -> InputRewrite | None:
    """The rewrite a family needs (None: no family rule a rewrite removes); pad_id is the
    checkpoint's pad token id, which is Spark NLP's sentencePadTokenId for these families
    (RoBERTa looks <pad> up in the same vocabulary, XLM-R's is the constant 1 = fairseq <pad>,
    DeBERTa's is pieceToId("[PAD]") = the SentencePiece id Hugging Face uses)."""
    if family == "roberta":
        return InputRewrite(family, (START_MASKED,), pad_id)
    if family == "xlm-roberta":
        return InputRewrite(family, (UNKNOWN_AS_PAD, START_MASKED), pad_id,
                            unknown_from=UNKNOWN_PIECE_ID, unknown_to=HF_UNKNOWN_ID)
    if family == "deberta-v2":
        return InputRewrite(family, (PIECE_ID_SHIFT,), pad_id, piece_id_shift=PIECE_ID_OFFSET)
    return None


REWRITE_FAMILIES = ("roberta", "xlm-roberta", "deberta-v2")


def rewrite_of_metadata(metadata: Mapping[str, str]) -> InputRewrite | None:
    """The rewrite an ONNX model's metadata_props name, if any."""
    text = metadata.get(METADATA_KEY)
    return None if text is None else InputRewrite.from_json(text)


def _skip(read: Any, size: int) -> None:
    while size > 0:
        chunk = read(min(size, 1 << 20))
        if not chunk:
            return
        size -= len(chunk)


def _entry(data: bytes) -> tuple[str, str]:
    """An ONNX StringStringEntryProto (key = 1, value = 2)."""
    found, at = {1: "", 2: ""}, 0
    while at < len(data):
        key, at = varint(data, at)
        size, at = varint(data, at)
        found[key >> 3] = data[at:at + size].decode("utf-8")
        at += size
    return found[1], found[2]


def read_onnx_metadata(read: Any) -> dict[str, str]:
    """An ONNX ModelProto's metadata_props (field 14), read from a binary stream's `read`
    without parsing the graph (its bytes are skipped), so a large model costs one pass of I/O
    and no memory; no onnx package needed (the Spark NLP producer reads deployed models)."""
    props: dict[str, str] = {}
    while (key := read_varint(read)) is not None:
        field, wire = key >> 3, key & 7
        if wire == 0:
            read_varint(read)
        elif wire == 1:
            _skip(read, 8)
        elif wire == 5:
            _skip(read, 4)
        elif wire == 2:
            size = read_varint(read) or 0
            if field == 14:
                name, value = _entry(read(size))
                props[name] = value
            else:
                _skip(read, size)
        else:
            raise ValueError(f"not an ONNX model (protobuf wire type {wire})")
    return props
