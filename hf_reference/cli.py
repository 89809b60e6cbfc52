"""Score a few texts with the reference model, no Spark: for a person debugging one example.

    hfparity-score --config conf/default.yaml "Don't e-mail me" "Café 😀"
    echo "some text" | hfparity-score --config conf/default.yaml -
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from parity_core.config import load_config
from parity_core.errors import ConfigError
from parity_core.settings import derive_settings


def format_record(record: dict[str, Any], text: str | None) -> str:
    """A readable block: label, probabilities, words and pieces with their offsets."""
    lines = [f"id {record['id']}  status {record['status']}"]
    if record.get("error"):
        lines.append(f"  error: {record['error']}")
    if text is not None:
        lines.append(f"  text: {text!r}")
    if record.get("label") is not None:
        probs = ", ".join(f"{p:.6f}" for p in record["probabilities"])
        lines.append(f"  label: {record['label']}  probabilities [{probs}]")
        lines.append(f"  logits: [{', '.join(f'{x:.6f}' for x in record['logits'])}]")
    if record.get("words") is not None:
        words = " ".join(f"{w['text']}[{w['begin']}:{w['end']}]" for w in record["words"])
        lines.append(f"  words ({len(record['words'])}): {words}")
    if record.get("pieces") is not None:
        pieces = " ".join(f"{p['piece']}({p['id']})" for p in record["pieces"])
        lines.append(
            f"  pieces ({len(record['pieces'])} of {record['piece_count']}"
            f"{', truncated' if record['truncated'] else ''}): {pieces}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="conf/default.yaml")
    parser.add_argument("--checkpoint", help="override model.checkpoint")
    parser.add_argument("--json", action="store_true", help="print records as JSON lines")
    parser.add_argument("texts", nargs="+", help="texts to score; - reads lines from stdin")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        settings = derive_settings(load_config(args.config), args.checkpoint)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    texts = [line.rstrip("\n") for line in sys.stdin] if args.texts == ["-"] else args.texts
    from hf_reference.scorer import ReferenceScorer

    scorer = ReferenceScorer(settings)
    records = scorer.score([f"text-{i}" for i in range(len(texts))], texts)
    for record, text in zip(records, texts):
        print(json.dumps(record, ensure_ascii=False) if args.json else format_record(record, text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
