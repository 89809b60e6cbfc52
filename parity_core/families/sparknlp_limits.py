"""Refuse, before any Spark work, a checkpoint that Spark NLP 5.5.3 cannot score at all.

DeBertaClassification (5.5.3) builds its SentencepieceEncoder with `pieceIdOffset = 1`
(Family.piece_id_offset, parity_core/families/deberta.py): every SentencePiece id reaches the
model one higher than Hugging Face feeds it. DeBERTa-v3 checkpoints
survive this because their embedding matrix has spare rows (128,100 rows for 128,000 pieces),
so the shifted ids are wrong but in range. A checkpoint whose matrix has no spare row makes the
last piece index past it: ONNX's Gather fails inside a batch, Spark NLP prints the error and
returns empty scores, and its tagSequence then aborts the whole job (`size=0 and step=0`).

We refuse rather than flag the rows holding that piece: the abort takes the whole batch (and in
production the whole job) down, not one row, so no per-row status would describe the deployment
honestly, and every other row would still be scored on shifted ids. The refusal names the file,
the rule and the numbers, reading only the .model file and the safetensors header (no torch,
no sentencepiece, no pyspark).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from parity_core.checkpoint import WEIGHTS, CheckpointInfo
from parity_core.errors import ConfigError
from parity_core.families.protobuf_wire import varint

EMBEDDING_SUFFIX = "embeddings.word_embeddings.weight"


def spm_piece_count(path: Path) -> int:
    """Pieces in a SentencePiece .model (ModelProto field 1, `repeated SentencePiece pieces`)."""
    data, at, count = path.read_bytes(), 0, 0
    while at < len(data):
        key, at = varint(data, at)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, at = varint(data, at)
        elif wire == 1:
            at += 8
        elif wire == 5:
            at += 4
        elif wire == 2:
            size, at = varint(data, at)
            at += size
            count += field == 1
        else:
            raise ConfigError(f"{path}: not a SentencePiece model (protobuf wire type {wire})")
    return count


def embedding_rows(weights: Path) -> int | None:
    """Rows of the word-embedding matrix, from the safetensors header (None: not found)."""
    with weights.open("rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(size))
    shapes = [entry["shape"] for name, entry in header.items()
              if name.endswith(EMBEDDING_SUFFIX) and isinstance(entry, dict)]
    return int(shapes[0][0]) if shapes else None


def check_sparknlp_can_run(info: CheckpointInfo, subject: str = "model.checkpoint") -> None:
    """Raise ConfigError when Spark NLP 5.5.3 would feed an id past the embedding matrix."""
    offset = info.family.piece_id_offset
    spm_file = info.family.spm_file
    if not offset or spm_file is None:
        return
    pieces = spm_piece_count(info.folder / spm_file)
    rows = embedding_rows(info.folder / WEIGHTS)
    if rows is None:  # not the usual tensor name: the config's vocab_size is the matrix' size
        config = json.loads((info.folder / "config.json").read_text(encoding="utf-8"))
        rows = int(config.get("vocab_size", pieces + offset))
    if pieces - 1 + offset < rows:
        return
    raise ConfigError(
        f"{subject} {info.folder}: {spm_file} has {pieces:,} pieces, the embedding matrix "
        f"({WEIGHTS}) {rows:,} rows; Spark NLP 5.5.3's {info.family.sparknlp_annotator} feeds "
        f"id+{offset}, so piece {pieces - 1:,} becomes {pieces - 1 + offset:,}: this checkpoint "
        f"cannot run in Spark NLP 5.5.3 (its job aborts on the first batch holding that piece). "
        f"DeBERTa-v3 checkpoints run because their matrix has spare rows (128,100 for 128,000 "
        f"pieces); resizing the embeddings to at least {pieces + offset:,} rows "
        f"(model.resize_token_embeddings) lets it run, every piece still shifted by {offset}")
