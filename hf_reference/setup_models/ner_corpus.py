"""A labelled NER corpus made offline from Faker: templated sentences with gold entity spans.

No NER corpus ships on PyPI with a licence we can use, and a tagger's silver labels would carry
its errors into the test models. Templates filled by Faker (seeded, so every build writes the same
rows) give gold spans for free, and Faker's locales supply the characters a deployment trips on:
apostrophes (O'Connell), hyphens (Wieloch-Bolnbach), accents (Françoise, Neuschäfer), companies
with `&`, `Inc.` and `GmbH & Co. KG`, and cities. A few rows are long (several sentences) so the
check corpus crosses Spark NLP's maxSentenceLength.

Spans are Python code points, end exclusive; types PER, ORG, LOC; labels are BIO (IOB2).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

TYPES = ("PER", "ORG", "LOC")
LABELS = ("O", *(f"{p}-{t}" for t in TYPES for p in ("B", "I")))
# it_IT is left out: one of its providers iterates a set, so its names depend on PYTHONHASHSEED.
LOCALES = ("en_US", "en_IE", "en_GB", "fr_FR", "de_DE", "es_ES")
SEED = 30
TRAIN_ROWS = 2400
HELDOUT_ROWS = 240
LONG_SHARE = 0.06  # held-out rows made of several sentences (past 128 pieces)

# {PER}, {ORG}, {LOC} are entity slots; everything else is context the model must call O.
TEMPLATES = (
    "{PER} works at {ORG} in {LOC}.",
    "{ORG} hired {PER} last year.",
    "{PER} moved from {LOC} to {LOC} in 2019.",
    "Yesterday {PER} met {PER} at the {ORG} office in {LOC}.",
    "According to {PER}, {ORG} will open a store in {LOC}.",
    "The contract between {ORG} and {ORG} was signed by {PER}.",
    "{PER} said the U.S. branch of {ORG} is doing well.",
    "In {LOC}, {PER} founded {ORG}.",
    "Shares of {ORG} fell after {PER} resigned.",
    "{PER} and {PER} flew to {LOC} on Monday.",
    "I think {PER} doesn't like {LOC} much.",
    "{ORG} (based in {LOC}) named {PER} its new CEO.",
    "Send the e-mail to {PER} before 3.30 p.m., please.",
    "Our team visited {LOC} and {LOC} with {PER}.",
    "\"We are proud,\" said {PER} of {ORG}.",
    "{PER}'s report on {ORG} came out in {LOC}.",
)


@dataclass(frozen=True)
class Sentence:
    """One labelled row: text and gold entities (start, end exclusive, type), code points."""

    text: str
    entities: tuple[tuple[int, int, str], ...]


def _company(fake, rng: random.Random) -> str:
    name = fake.company()
    roll = rng.random()
    if roll < 0.2:
        return f"{fake.last_name()} & {fake.last_name()}"
    if roll < 0.35:
        return f"{fake.last_name()} Inc."
    if roll < 0.45:
        return f"{fake.last_name().upper()[:2]}&{fake.last_name().upper()[:1]}"
    return name


def _filler(slot: str, fakes: list, rng: random.Random) -> str:
    fake = rng.choice(fakes)
    if slot == "PER":
        return f"{fake.first_name()} {fake.last_name()}"
    if slot == "ORG":
        return _company(fake, rng)
    return fake.city()


def _fill(template: str, fakes: list, rng: random.Random) -> Sentence:
    text, entities, rest = "", [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        slot, _, rest = after.partition("}")
        text += before
        value = _filler(slot, fakes, rng).strip()
        entities.append((len(text), len(text) + len(value), slot))
        text += value
    return Sentence(text + rest, tuple(entities))


def _join(sentences: list[Sentence]) -> Sentence:
    text, entities = "", []
    for sentence in sentences:
        offset = len(text) + (1 if text else 0)
        text = f"{text} {sentence.text}" if text else sentence.text
        entities.extend((s + offset, e + offset, t) for s, e, t in sentence.entities)
    return Sentence(text, tuple(entities))


def generate(rows: int, seed: int, long_share: float = 0.0) -> Iterator[Sentence]:
    """rows sentences from the templates, reproducible for a seed (Faker and random seeded)."""
    from faker import Faker

    rng = random.Random(seed)
    fakes = []
    for i, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 100 + i)
        fakes.append(fake)
    for _ in range(rows):
        if rng.random() < long_share:
            parts = [_fill(rng.choice(TEMPLATES), fakes, rng) for _ in range(rng.randint(8, 12))]
            yield _join(parts)
        else:
            yield _fill(rng.choice(TEMPLATES), fakes, rng)


def splits() -> dict[str, list[Sentence]]:
    """The training rows and the held-out rows (a different seed: no shared sentences by
    construction of the generator state, entities may recur as in real text)."""
    return {"train": list(generate(TRAIN_ROWS, SEED)),
            "heldout": list(generate(HELDOUT_ROWS, SEED + 1, LONG_SHARE))}


def piece_labels(offsets: list[tuple[int, int]], entities: tuple[tuple[int, int, str], ...],
                 special: list[bool]) -> list[int]:
    """A label id per piece from its character offsets: B- on the piece starting an entity,
    I- inside it, O outside, -100 (ignored by the loss) on special tokens. Every piece of a word
    is labelled, so any aggregation strategy reads a trained piece."""
    ids = []
    for (start, end), is_special in zip(offsets, special):
        if is_special or end <= start:
            ids.append(-100)
            continue
        label = "O"
        for e_start, e_end, kind in entities:
            if e_start <= start < e_end:
                label = f"B-{kind}" if start == e_start else f"I-{kind}"
                break
            if start < e_start < end:  # a piece that starts in the space before the entity
                label = f"B-{kind}"
                break
        ids.append(LABELS.index(label))
    return ids
