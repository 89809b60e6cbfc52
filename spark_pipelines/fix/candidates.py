"""Pipeline changes derived from the checkpoint and the report, never from a known model.

The deployed (or matched) pipeline's facts are compared with what the checkpoint implies; a
change is a candidate only when the two differ AND the report has rows that the change could
explain (`called_by`): word tokens that do not line up for the tokenizer, rows the join blamed
on a classifier setting for the others. Changes use Spark NLP's own annotators and parameters
only, so whatever is proposed deploys with Spark NLP as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from parity_core.audit import CASE_SENSITIVE, MAX_SENTENCE_LENGTH, VOCABULARY
from parity_core.families.pattern import family_pattern, tokenizer_model
from parity_core.settings import EffectiveSettings
from spark_pipelines.explain.causes import LABEL_ORDER

TOKENIZER = "tokenizer"
CLASSIFIER = "classifier"  # the classifier imported from the checkpoint (labels, vocabulary)


@dataclass(frozen=True)
class BaseFacts:
    """What the pipeline that made the report's right side does, read from its stages."""

    tokenizer: str | None  # the JVM class of the stage feeding the classifier's tokens
    tokenizer_pattern: str | None
    case_sensitive: bool
    max_sentence_length: int
    labels: tuple[str, ...]  # the classifier's labels in id order
    vocabulary_matches: bool


@dataclass(frozen=True)
class Candidate:
    """One change to the pipeline, with the evidence that calls for it."""

    name: str
    before: str
    after: str
    why: str
    called_by: int  # report rows the change could explain

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "before": self.before, "after": self.after, "why": self.why,
                "called_by_rows": self.called_by}


def _tokenizer_why(settings: EffectiveSettings) -> str:
    model = tokenizer_model(settings)
    if model == "BPE":
        return ("the byte-level BPE pre-tokenizer cuts letters, digits and other characters "
                "into chunks, each keeping the space before it (the Ġ marker), and Spark NLP's "
                "classifier keeps only the first chunk of each token and marks no word unless "
                "its token holds that space")
    if model == "Unigram":
        return ("SentencePiece segments each space-separated word with a ▁ in front, and "
                "Spark NLP's classifier encodes each token so: punctuation split off as a "
                "token of its own gets a ▁ Hugging Face never gives it")
    return ("BERT's basic tokenizer splits off every punctuation character, treats Unicode "
            "spaces as spaces" + (" and CJK ideographs one per word"
                                  if settings.tokenize_chinese_chars else "")
            + ", and Spark NLP's classifier keeps only the first basic-tokenizer word of each "
            "token it is given")


def derive_candidates(base: BaseFacts, settings: EffectiveSettings,
                      word_rows: int, deployment_causes: Mapping[str, int]) -> list[Candidate]:
    """Every change the report calls for; word_rows = rows whose word tokens differ."""
    found = []
    pattern = family_pattern(settings)
    if word_rows and not (base.tokenizer == "RegexTokenizer" and base.tokenizer_pattern == pattern):
        found.append(Candidate(
            TOKENIZER, f"{base.tokenizer or 'no tokenizer'}"
            + (f" pattern {base.tokenizer_pattern!r}" if base.tokenizer_pattern else ""),
            f"RegexTokenizer pattern {pattern!r}",
            f"{word_rows:,} rows split words differently; " + _tokenizer_why(settings),
            word_rows))
    matched = settings.sparknlp_classifier
    wanted_case = matched.case_sensitive
    if base.case_sensitive != wanted_case:
        rows = deployment_causes.get(CASE_SENSITIVE, 0)
        found.append(Candidate(
            CASE_SENSITIVE, str(base.case_sensitive).lower(), str(wanted_case).lower(),
            f"the checkpoint's do_lower_case is {str(settings.do_lower_case).lower()}"
            f" ({rows:,} rows blamed on it)", rows))
    wanted_length = matched.max_sentence_length
    if base.max_sentence_length != wanted_length:
        rows = deployment_causes.get(MAX_SENTENCE_LENGTH, 0)
        found.append(Candidate(
            MAX_SENTENCE_LENGTH, str(base.max_sentence_length), str(wanted_length),
            f"the Hugging Face run's max length is {settings.max_length} ([CLS]/[SEP] "
            f"included; {rows:,} rows blamed on it)", rows))
    if tuple(base.labels) != tuple(settings.labels) or not base.vocabulary_matches:
        rows = deployment_causes.get(LABEL_ORDER, 0) + deployment_causes.get(VOCABULARY, 0)
        what = [] if tuple(base.labels) == tuple(settings.labels) else [
            f"labels {list(base.labels)} vs config.json id2label {list(settings.labels)}"]
        what += [] if base.vocabulary_matches else ["vocabulary differs from the checkpoint's"]
        found.append(Candidate(
            CLASSIFIER, "; ".join(what), "the classifier imported from the checkpoint "
            "(`hfparity import`: labels.txt in id order, the checkpoint's vocab.txt)",
            f"a loaded classifier's labels and vocabulary are protected (set once at import); "
            f"only a re-import fixes them ({rows:,} rows blamed on it)", rows))
    return found
