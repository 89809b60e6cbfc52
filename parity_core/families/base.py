"""What a tokenizer family is: the names each framework knows it by and every Spark NLP 5.5.3 fact
about it, as data. One module per family (bert, roberta, xlm_roberta, deberta, albert) fills a
`Family`; `parity_core.families.family(name)` finds it. Pure Python: the checkpoint inspection,
both producers, the explanation, the report and the fix all read these facts.

The facts shared by several families live here once: the ONNX attention mask (`id != 0`) that
masks a start token whose id is 0, and the family rule naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class TokenizerSettings(Protocol):
    """The derived settings a family's warnings read (parity_core.settings.TokenizerSettings has
    them): a protocol, because the settings are derived with the families (settings ->
    checkpoint -> families), so the families never import the settings."""

    do_lower_case: bool
    strip_accents: bool
    max_input_chars_per_word: int
    tokenize_chinese_chars: bool


SPECIAL_TOKENS = ("[CLS]", "[SEP]", "[UNK]", "[PAD]")  # WordPiece families

# Spark NLP 5.5.3's getRawScoresWithOnnx builds every classifier's attention mask as `id != 0`.
ATTENTION_MASK_RULE = "id != 0"
MASK_WARNING = f"attention mask: Spark NLP's ONNX path masks `{ATTENTION_MASK_RULE}`"
START_MASKED = "start_token_masked"
START_MASKED_EVIDENCE = (f"Spark NLP's ONNX attention mask is `{ATTENTION_MASK_RULE}` and the "
                         "start token <s> is id 0: <s> is masked, Hugging Face attends to it")

# The reason-text tail of a family rule that `hfparity fix` cannot undo (fix/remaining.py).
UNFIXABLE_TAIL = ("; the same pieces reach the model, but this is fixed in Spark NLP 5.5.3's "
                  "code: no pipeline setting changes it")


@dataclass(frozen=True)
class FamilyRule:
    """A Spark NLP behaviour that touches every input of a family: the cause name rows/ carry
    and its evidence. The predicate counting the rows it touches is Spark code
    (spark_pipelines/explain/family_rules.py) and reads the name from here."""

    name: str
    evidence: str

    @property
    def unfixable_reason(self) -> str:
        """Why `hfparity fix` reports it as remaining when the pieces are equal."""
        return self.evidence + UNFIXABLE_TAIL


START_MASKED_RULE = FamilyRule(START_MASKED, START_MASKED_EVIDENCE)


def no_warnings(settings: TokenizerSettings, sparknlp_max_chars: int | None) -> list[str]:
    """A family with no settings-dependent warning."""
    return []


@dataclass(frozen=True)
class Family:
    """A model family both frameworks can run: the names each side knows it by, and what Spark NLP
    5.5.3 does with it that Hugging Face does not."""

    name: str  # "bert", "distilbert": config.json model_type
    architecture: str  # transformers class in config.json `architectures`
    sparknlp_annotator: str  # sparknlp.annotator class (also the JVM class' simple name)
    sparknlp_classification: str  # com.johnsnowlabs.ml.ai class holding tokenizeWithAlignment
    onnx_inputs: tuple[str, ...]  # what Spark NLP feeds the ONNX model, in this order
    tokenizer_model: str = "WordPiece"  # tokenizer.json model.type the importer can read
    # Looked up by name by the Spark NLP importer: (sentence start, sentence end, pad).
    special_tokens: tuple[str, ...] = SPECIAL_TOKENS
    assets: tuple[str, ...] = ("vocab.txt", "labels.txt")  # what loadSavedModel reads
    lowercase_default: bool = True  # do_lower_case when the tokenizer does not say
    # What Spark NLP's encoder adds to every SentencePiece id beyond what Hugging Face adds
    # (DeBERTa 1; XLM-R's +1 is the fairseq order both sides use: xlm_roberta.py).
    piece_id_offset: int = 0
    # Whether the start token is id 0, so the `id != 0` mask masks it on every row.
    start_token_masked: bool = False
    # The family rules, most specific first (explain/family_rules.py counts their rows).
    rules: tuple[FamilyRule, ...] = ()
    # Warnings on every run of the family, then those that depend on the checkpoint's settings
    # (given the WordpieceEncoder's maxInputCharsPerWord read from the JVM, WordPiece only;
    # WordPiece's fixed warning sits among its settings' ones, so it is given there).
    warnings: tuple[str, ...] = ()
    settings_warnings: Callable[[TokenizerSettings, int | None], list[str]] = field(
        default=no_warnings, compare=False, repr=False)

    @property
    def spm_file(self) -> str | None:
        """The SentencePiece model file (checkpoint and Spark NLP asset name), if any."""
        return next((name for name in self.assets if name.endswith(".model")), None)

    def run_warnings(self, settings: TokenizerSettings, sparknlp_max_chars: int | None = None
                     ) -> list[str]:
        """Every warning a run of this family gets, in the order the run prints them."""
        return [*self.warnings, *self.settings_warnings(settings, sparknlp_max_chars)]
