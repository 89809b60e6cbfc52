"""Protobuf's base-128 varint, the one rule the hand-read model files share.

The SentencePiece .model (sparknlp_limits.spm_piece_count) and an ONNX model's metadata
(input_rewrite.read_onnx_metadata) are read without their packages: the first needs neither
sentencepiece nor protobuf, the second must not parse a graph of hundreds of MB.
"""

from __future__ import annotations

from collections.abc import Callable


def varint(data: bytes, at: int) -> tuple[int, int]:
    """The varint at `at` in `data`: (value, the position after it)."""
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def read_varint(read: Callable[[int], bytes]) -> int | None:
    """The next varint of a binary stream (its `read`), or None at the stream's end."""
    raw = b""
    while (byte := read(1)):
        raw += byte
        if byte[0] < 0x80:
            return varint(raw, 0)[0]
    return None
