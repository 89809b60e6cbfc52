"""The cause catalogue: every name a row's explanation can carry, what it means, and where its
rule lives, in one place a newcomer can read top to bottom.

Four kinds of names reach the report, each written by a different piece of code:

- row causes (rows/ `cause` and `sub_cause`, written `stage/sub_cause` here): the JVM engine's
  verdict for one row, the first pipeline stage where the two records part
  (spark_pipelines/explain/java/hfparity/explain/, dispatcher Attribute.java, one class per stage).
  The Java holds the same names as constants; tests/spark_pipelines/explain/test_causes.py holds
  the two equal, so a cause added on one side only fails the tests.
- deployment causes (rows/ `deployment_cause`): a setting of the deployment that changes many
  rows at once (explain/deployment_causes.py; the setting names are parity_core/audit.py's).
- family rules (rows/ `deployment_cause` too): what Spark NLP 5.5.3 does to every input of a model
  family (explain/family_rules.py); the fix also reports them as reasons that survive it.
- remaining reasons (the fix's `reason`): why a difference survives every pipeline setting
  (spark_pipelines/fix/remaining.py REASONS; the fix imports this package, never the reverse).

One phenomenon often carries a name of each kind: a RoBERTa or SentencePiece word that reaches
the model without its space marker is the row cause `pieces/space_marker`, the family rule
`space_marker_dropped` and the remaining reason `marker_piece_dropped`. `PHENOMENA` names such
groups once and each entry points to its group; no name is changed here (every name below is
what rows/ and summary.json already hold).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from parity_core.audit import (
    CASE_SENSITIVE,
    MAX_SENTENCE_LENGTH,
    SENTENCES,
    TEXT_STAGE,
    VOCABULARY,
)
from parity_core.families import albert, base, deberta, roberta, xlm_roberta
from parity_core.families.albert import ACCENTS_KEPT
from parity_core.families.base import START_MASKED
from parity_core.families.deberta import PIECE_ID_SHIFT
from parity_core.families.roberta import SPACE_MARKER as SPACE_MARKER_DROPPED
from parity_core.families.xlm_roberta import UNKNOWN_AS_PAD
from parity_core.records import STATUS_ERROR, STATUS_INVALID_TEXT, STATUS_NO_PREDICTION

# --- row causes: the engine's stages, in the order it tries them (Attribute.java constants) ---
STATUS = "status"
TEXT = "text"
WORDS = "words"
PIECES = "pieces"
TRUNCATION = "truncation"
MODEL_INPUT = "model_input"
NUMERICS = "numerics"
BOUNDARY = "boundary"
UNDETERMINED = "undetermined"
STAGES = (STATUS, TEXT, WORDS, PIECES, TRUNCATION, MODEL_INPUT, NUMERICS, BOUNDARY, UNDETERMINED)

# --- row sub-causes (Attribute.java constants) ---
MISSING = "missing"
INPUT_IDS = "input_ids"
ATTENTION_MASK = "attention_mask"
TOKEN_TYPE_IDS = "token_type_ids"
LOWERCASE_ONE_SIDE = "lowercase_one_side"
ACCENT_ONE_SIDE = "accent_one_side"
UNKNOWN_TOKEN = "unknown_token"
PIECES_DROPPED = "pieces_dropped"
SPLIT_DIFFERENTLY = "split_differently"
SPACE_MARKER = "space_marker"
OTHER = "other"
PIECES_NOT_RECORDED = "pieces_not_recorded"
SUB_CAUSES = (MISSING, INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS, LOWERCASE_ONE_SIDE,
              ACCENT_ONE_SIDE, UNKNOWN_TOKEN, PIECES_DROPPED, SPLIT_DIFFERENTLY, SPACE_MARKER,
              OTHER, PIECES_NOT_RECORDED)
# words/separator_u<hex>_<what>: the prefix, the code point (4+ lowercase hex digits), "_", and
# what the joining side's pieces hold for the word (WordsStage.separatorJoin).
SEPARATOR = "separator_u"
ONE_UNK = "one_unk"
REST_DROPPED = "rest_dropped"
JOINED = "joined"
SEPARATOR_OUTCOMES = (ONE_UNK, REST_DROPPED, JOINED)
# status/<record status>: the unscored side's status (parity_core/records.py).
UNSCORED_STATUSES = (STATUS_NO_PREDICTION, STATUS_INVALID_TEXT, STATUS_ERROR)

# --- deployment causes only this catalogue names (the others are audit settings, family rules) --
LABEL_ORDER = "label_order"
SENTENCE_SPLITTING = SENTENCES

# --- the fix's remaining reasons: their home (fix/remaining.py returns these; the family modules
# key their reason texts by the same names, held to these by test_causes) ---
NO_TEXT = "no_text"
FORMAT_CHARACTERS = "format_characters"
COMBINING_MARKS = "combining_marks"
ACCENTS_CASED = "accents_cased"
LONG_WORD = "long_word"
CHINESE_CHARS = "chinese_chars"
WHITESPACE_CHUNK = "whitespace_chunk"
MARKER_PIECE_DROPPED = "marker_piece_dropped"
UNEXPLAINED = "unexplained"

# Kinds of entry, and where each kind is written.
ROW = "row"
DEPLOYMENT = "deployment"
FAMILY_RULE = "family_rule"
REMAINING = "remaining"
WRITTEN_IN = {
    ROW: "rows/ cause, sub_cause",
    DEPLOYMENT: "rows/ deployment_cause",
    FAMILY_RULE: "rows/ deployment_cause; the fix's remaining reason",
    REMAINING: "the fix's remaining reason (fix proposal)",
}

_ROOT = Path(__file__).resolve().parents[2]
_JAVA = "spark_pipelines/explain/java/hfparity/explain/"
REMAINING_FILE = "spark_pipelines/fix/remaining.py"  # not imported: fix/ imports explain/


def _file(module: ModuleType) -> str:
    """A module's file relative to the repository (so a moved module moves its entries)."""
    return Path(str(module.__file__)).resolve().relative_to(_ROOT).as_posix()


def _java(name: str) -> str:
    return f"{_JAVA}{name}.java"


# Phenomena that carry a name of several kinds (the entries point here by key).
PHENOMENA = {
    "space_marker": "a word reaches one model without the word-start space marker (Ġ / ▁)",
    "casing": "a word reaches one model lowercased and the other cased",
    "accents": "a word reaches one model with its accents and the other without",
    "start_masked": "the start token is masked on one side (Spark NLP's `id != 0` mask, <s> = 0)",
    "truncation": "one side cut the input shorter",
    "text_read": "the two runs did not read or split the same text",
    "long_word": "a word too long for one side's WordPiece limit reaches it as [UNK]",
}


@dataclass(frozen=True)
class Entry:
    """One name as written in the report: its kind, meaning, the file of its rule and the
    phenomenon it shares with names of other kinds (None when it has no other name)."""

    kind: str
    name: str
    meaning: str
    rule_file: str
    phenomenon: str | None = None

    @property
    def written_in(self) -> str:
        return WRITTEN_IN[self.kind]

    @property
    def stage(self) -> str | None:
        """The engine stage of a row cause (the part before "/"); None for the other kinds."""
        return self.name.partition("/")[0] if self.kind == ROW else None


def _row(name: str, java_class: str, meaning: str, phenomenon: str | None = None) -> Entry:
    return Entry(ROW, name, meaning, _java(java_class), phenomenon)


_HEX = "<hex>_"  # stands for the code point in a separator sub-cause's catalogue name


def _separator(outcome: str, meaning: str) -> Entry:
    return _row(f"{WORDS}/{SEPARATOR}{_HEX}{outcome}", "WordsStage", meaning, "text_read")


_DEPLOYMENT_FILE = "spark_pipelines/explain/deployment_causes.py"

CATALOGUE: tuple[Entry, ...] = (
    # status
    _row(f"{STATUS}/{MISSING}", "StatusStage", "one side has no record for the row"),
    *(_row(f"{STATUS}/{status}", "StatusStage",
           f"a side (or both) has record status {status}: no label to compare")
      for status in UNSCORED_STATUSES),
    # text, words
    _row(TEXT, "TextStage", "text_length or text_sha256 differ: the runs read other text",
         "text_read"),
    _row(WORDS, "WordsStage", "characters covered by one side's words only", "text_read"),
    _separator(ONE_UNK, "a Unicode separator inside one side's word, which reaches its model as "
                        "one [UNK]"),
    _separator(REST_DROPPED, "a Unicode separator inside one side's word, whose pieces spell the "
                             "word up to the separator only"),
    _separator(JOINED, "a Unicode separator inside one side's word, which reaches its model "
                       "joined"),
    _row(f"{WORDS}/{SPLIT_DIFFERENTLY}", "FallbackStage",
         "same characters and pieces, words cut differently (nothing else explains the row)"),
    # pieces
    _row(f"{PIECES}/{PIECES_DROPPED}", "PieceSubCause",
         "one side's pieces cover characters the other side's do not"),
    _row(f"{PIECES}/{SPLIT_DIFFERENTLY}", "PieceSubCause",
         "same characters, segmented into other pieces"),
    _row(f"{PIECES}/{SPACE_MARKER}", "PieceSubCause",
         "pieces equal but for the word-start space marker, which one side lacks",
         "space_marker"),
    _row(f"{PIECES}/{ACCENT_ONE_SIDE}", "PieceSubCause",
         "pieces equal once accents are stripped: accents kept on one side", "accents"),
    _row(f"{PIECES}/{LOWERCASE_ONE_SIDE}", "PieceSubCause",
         "pieces equal once lowercased: case kept on one side", "casing"),
    _row(f"{PIECES}/{UNKNOWN_TOKEN}", "PieceSubCause",
         "one side has [UNK] where the other has pieces", "long_word"),
    _row(f"{PIECES}/{OTHER}", "PieceSubCause",
         "pieces differ otherwise (e.g. same strings with other ids)"),
    # truncation, model input, scores, undetermined
    _row(TRUNCATION, "TruncationStage", "same kept pieces, but one side kept fewer",
         "truncation"),
    _row(f"{MODEL_INPUT}/{INPUT_IDS}", "ModelInputStage",
         "same pieces, other input ids (e.g. the start or end token's)"),
    _row(f"{MODEL_INPUT}/{ATTENTION_MASK}", "ModelInputStage",
         "same pieces, other attention mask", "start_masked"),
    _row(f"{MODEL_INPUT}/{TOKEN_TYPE_IDS}", "ModelInputStage",
         "same pieces, other token type ids"),
    _row(NUMERICS, "ScoresStage", "identical model input, logits (else probabilities) differ "
                                  "beyond the tolerance: the runtimes compute differently"),
    _row(BOUNDARY, "ScoresStage", "identical model input, scores within the tolerance but other "
                                  "labels: a tie near the decision boundary"),
    _row(UNDETERMINED, "FallbackStage", "the row differs but no stage explains it"),
    _row(f"{UNDETERMINED}/{PIECES_NOT_RECORDED}", "PiecesStage",
         "a side recorded no pieces and the outputs differ: pieces, truncation and numerics "
         "cannot be told apart"),
    # deployment causes (first that applies, in deployment_causes.CAUSES order)
    Entry(DEPLOYMENT, LABEL_ORDER, "the labels follow a permutation: labels.txt in another order",
          _DEPLOYMENT_FILE),
    Entry(DEPLOYMENT, VOCABULARY, "the audit reports another vocabulary and a piece is renumbered",
          _DEPLOYMENT_FILE),
    Entry(DEPLOYMENT, SENTENCE_SPLITTING, "a side made several predictions (a sentence detector)",
          _DEPLOYMENT_FILE),
    Entry(DEPLOYMENT, MAX_SENTENCE_LENGTH, "the audit reports maxSentenceLength and a side cut "
                                           "the input shorter", _DEPLOYMENT_FILE, "truncation"),
    Entry(DEPLOYMENT, CASE_SENSITIVE, "the audit reports caseSensitive and the row is "
                                      "pieces/lowercase_one_side", _DEPLOYMENT_FILE, "casing"),
    Entry(DEPLOYMENT, TEXT_STAGE, "the audit reports a text stage and the row's cause is text or "
                                  "words", _DEPLOYMENT_FILE, "text_read"),
    # family rules: the fact and its evidence live in the family's module (parity_core/families);
    # the Spark predicate that counts the rows is in explain/family_rules.py
    Entry(FAMILY_RULE, SPACE_MARKER_DROPPED, "RoBERTa: Spark NLP's BPE gives no word the Ġ marker",
          _file(roberta), "space_marker"),
    Entry(FAMILY_RULE, PIECE_ID_SHIFT, "DeBERTa: Spark NLP adds 1 to every SentencePiece id",
          _file(deberta)),
    Entry(FAMILY_RULE, UNKNOWN_AS_PAD, "XLM-R: an unknown piece reaches the model as <pad>",
          _file(xlm_roberta)),
    Entry(FAMILY_RULE, ACCENTS_KEPT, "ALBERT: Spark NLP lowercases but keeps accents",
          _file(albert), "accents"),
    Entry(FAMILY_RULE, START_MASKED, "RoBERTa, XLM-R: the start token <s> (id 0) is masked",
          _file(base), "start_masked"),
    # remaining reasons
    Entry(REMAINING, NO_TEXT, "no text to score: Spark NLP gives no label", REMAINING_FILE),
    Entry(REMAINING, FORMAT_CHARACTERS, "a format/control character inside a word",
          REMAINING_FILE),
    Entry(REMAINING, COMBINING_MARKS, "a combining mark outside U+0300-U+036F", REMAINING_FILE),
    Entry(REMAINING, ACCENTS_CASED, "accents on a checkpoint that keeps them: Spark NLP strips "
                                    "them", REMAINING_FILE, "accents"),
    Entry(REMAINING, LONG_WORD, "a word longer than the checkpoint's max_input_chars_per_word",
          REMAINING_FILE, "long_word"),
    Entry(REMAINING, CHINESE_CHARS, "CJK ideographs: Spark NLP always splits them",
          REMAINING_FILE),
    Entry(REMAINING, WHITESPACE_CHUNK, "whitespace byte-level BPE keeps and Spark NLP drops",
          REMAINING_FILE),
    Entry(REMAINING, MARKER_PIECE_DROPPED, "SentencePiece's lone ▁ piece, which Spark NLP drops",
          REMAINING_FILE, "space_marker"),
    Entry(REMAINING, UNEXPLAINED, "no known fixed behaviour explains the row", REMAINING_FILE),
)
BY_NAME = {entry.name: entry for entry in CATALOGUE}


def catalogue_name(cause: str, sub_cause: str | None) -> str:
    """The catalogue entry a row's cause and sub-cause fall under (a separator's code point
    stands as <hex>, as in the catalogue)."""
    if not sub_cause:
        return cause
    if sub_cause.startswith(SEPARATOR):
        for outcome in SEPARATOR_OUTCOMES:
            if sub_cause.endswith(f"_{outcome}"):
                return f"{cause}/{SEPARATOR}{_HEX}{outcome}"
    return f"{cause}/{sub_cause}"


def meaning(cause: str, sub_cause: str | None) -> str | None:
    """What a row cause means, in the catalogue's words (None for a name it does not hold)."""
    entry = BY_NAME.get(catalogue_name(cause, sub_cause)) or BY_NAME.get(cause)
    return entry.meaning if entry is not None else None


def entries(kind: str) -> tuple[Entry, ...]:
    """The catalogue's entries of one kind, in catalogue order."""
    return tuple(entry for entry in CATALOGUE if entry.kind == kind)


def same_phenomenon(name: str) -> tuple[str, ...]:
    """The other names of the phenomenon `name` belongs to (empty when it has none)."""
    key = BY_NAME[name].phenomenon
    return tuple(e.name for e in CATALOGUE if key is not None and e.phenomenon == key
                 and e.name != name)


def engine_names() -> frozenset[str]:
    """The strings the Java engine must hold as cause constants (Attribute.java), read off the
    catalogue's row entries: each stage, each sub-cause, and the separator sub-cause's prefix and
    outcomes. Record statuses are not among them: the engine copies an unscored side's status."""
    names: set[str] = set()
    for entry in entries(ROW):
        stage, _, sub = entry.name.partition("/")
        names.add(stage)
        if sub.startswith(SEPARATOR):
            names.update((SEPARATOR, sub.split(_HEX, 1)[1]))
        elif sub and sub not in UNSCORED_STATUSES:
            names.add(sub)
    return frozenset(names)



def row_entry(cause: str | None, sub_cause: str | None) -> Entry | None:
    """The catalogue entry of a report row's cause and sub_cause (a separator sub-cause by its
    outcome: words/separator_u00a0_one_unk is words/separator_u<hex>_one_unk); None for a row
    without a cause or a name the catalogue lacks."""
    if not cause:
        return None
    if sub_cause and sub_cause.startswith(SEPARATOR):
        outcome = next((o for o in SEPARATOR_OUTCOMES if sub_cause.endswith(f"_{o}")), None)
        sub_cause = f"{SEPARATOR}{_HEX}{outcome}" if outcome else sub_cause
    name = f"{cause}/{sub_cause}" if sub_cause else cause
    return BY_NAME.get(name) or BY_NAME.get(cause)
