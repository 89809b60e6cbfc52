"""The report's row schema and statuses, defined once; every compare module and test uses these.

One report row per corpus id (plus ids a run has that the corpus lacks, status not_in_corpus).
Statuses are decided in this order, the first that applies wins:
missing_left / missing_right (no record on that side; missing on both: missing_left),
error_left / error_right (that side's status is not ok while the other's is, or both are not ok
with different statuses), unscored_both (neither side scored the row, for the same reason: e.g.
a null text; never `same`, which would read as agreement), label_differs, scores_differ (some
|Δprobability| > tolerance), tokens_differ (labels and scores agree, words or pieces differ), same.
Input-first scoring (docs/input-first.md) adds input_identical_not_scored: both sides' model
input is identical and the row was not scored (neither in the sample nor sharing its text with a
scored row); the sample's bound covers it, and it never counts as agreement.
"""

from __future__ import annotations

from parity_core.tasks.sequence_classification import exceeds

SAME = "same"
LABEL_DIFFERS = "label_differs"
SCORES_DIFFER = "scores_differ"
TOKENS_DIFFER = "tokens_differ"
MISSING_LEFT = "missing_left"
MISSING_RIGHT = "missing_right"
ERROR_LEFT = "error_left"
ERROR_RIGHT = "error_right"
NOT_IN_CORPUS = "not_in_corpus"
UNSCORED_BOTH = "unscored_both"
INPUT_IDENTICAL_NOT_SCORED = "input_identical_not_scored"
STATUSES = (SAME, LABEL_DIFFERS, SCORES_DIFFER, TOKENS_DIFFER, MISSING_LEFT, MISSING_RIGHT,
            ERROR_LEFT, ERROR_RIGHT, UNSCORED_BOTH, NOT_IN_CORPUS, INPUT_IDENTICAL_NOT_SCORED)

# Input-first scoring: why a row was scored (rows/ column `scoring`; null when every row was).
# The first five are always scored; SAMPLE rows are the seeded sample of identical-input rows;
# SAME_TEXT rows share their text with a scored row and take its result; NOT_SCORED rows carry
# status input_identical_not_scored.
INPUT_DIFFERS = "input_differs"
NO_TOKENS = "no_tokens"                # Spark NLP made no token: it predicts nothing
AFTER_NO_TOKENS = "after_no_tokens"    # the next corpus row after a no-token row
SENTENCES_OVER_BATCH = "sentences_over_batch"  # more sentences than the classifier's batchSize
SAMPLE = "sample"
SAME_TEXT = "same_text"
NOT_SCORED = "not_scored"
ALWAYS_SCORED = (INPUT_DIFFERS, NO_TOKENS, AFTER_NO_TOKENS, SENTENCES_OVER_BATCH)
SCORING_REASONS = (*ALWAYS_SCORED, SAMPLE, SAME_TEXT, NOT_SCORED)

# What decides a label flip (explain/decisive.py, the rule's home; flips re-run with the
# counterfactual): the smallest unit of the right side's differences that, swapped alone into
# the left input, gives the right label. One piece difference; else one word's differences
# together (a word: the right side's token, Spark NLP's as deployed); else all of them
# together (several words); else not even all of them (the flip is not in the pieces).
DECISIVE_PIECE = "piece"
DECISIVE_WORD = "word"
DECISIVE_SEVERAL_WORDS = "several_words"
DECISIVE_NOT_REPRODUCED = "not_reproduced"
DECISIVE_UNITS = (DECISIVE_PIECE, DECISIVE_WORD, DECISIVE_SEVERAL_WORDS, DECISIVE_NOT_REPRODUCED)

# Alignment operations, per aligned position (a run of tokens covering the same characters).
EQUAL = "equal"          # one token each side, same span, same text
CHANGED = "changed"      # one token each side, same span, different text (e.g. casing)
SPLIT = "split"          # one left token, several right tokens over the same characters
MERGED = "merged"        # several left tokens, one right token over the same characters
REGROUPED = "regrouped"  # several on each side over the same characters, boundaries differ
MISSING_IN_LEFT = "missing_left"    # characters only the right side has a token for
MISSING_IN_RIGHT = "missing_right"  # characters only the left side has a token for
ALIGN_OPS = (EQUAL, CHANGED, SPLIT, MERGED, REGROUPED, MISSING_IN_LEFT, MISSING_IN_RIGHT)

# In an aligned op, left_index/right_index index the first token of that side's run (null when
# the side has none there: missing ops); begin/end span the run (null for [CLS]/[SEP]). In
# first_divergence, level is "pieces" when the pieces differ, else "words"; left_index and
# right_index are where the divergence starts on each side (the index a token would have there
# when that side has none), the windows hold up to 3 tokens before and after the diverging run.
ALIGNED_TYPE = (
    "array<struct<op:string,left_index:int,right_index:int,left_tokens:array<string>,"
    "right_tokens:array<string>,begin:int,end:int>>"
)
DIVERGENCE_TYPE = (
    "struct<level:string,op:string,left_index:int,right_index:int,begin:int,end:int,"
    "left_window:array<string>,right_window:array<string>>"
)

LOCALISATION_TYPE = ("struct<layers:array<string>,max_abs_delta:array<double>,"
                     "first_past:string,tolerance:double,error:string>")

# The words whose piece differences together flip a label (explain/decisive.py).
FLIP_WORDS_TYPE = "array<struct<word:string,begin:int,end:int,differences:array<int>>>"

# Spark DDL of <output>/rows/, column order as written.
ROWS_DDL = ", ".join([
    "id string",
    "status string",
    # what differs, in this order: status, text (text_sha256), label, probabilities, words,
    # pieces, truncation; a missing side is ["status"] only; [] for same rows
    "changes array<string>",
    "text string",
    "text_length int",
    "length_bucket string",
    "has_upper boolean",
    "has_non_ascii boolean",
    "has_inner_punct boolean",
    "left_status string", "right_status string",
    "left_error string", "right_error string",
    "left_label string", "right_label string",
    "left_probabilities array<double>", "right_probabilities array<double>",
    "max_abs_delta double",
    "left_truncated boolean", "right_truncated boolean",
    "left_piece_count int", "right_piece_count int",
    "words_equal boolean",
    "pieces_equal boolean",             # null when a side has no pieces
    # Full alignments, only where the sequences differ (null when equal or a side has none):
    # a report of a million agreeing rows should not store a million all-equal alignments.
    f"word_alignment {ALIGNED_TYPE}",
    f"piece_alignment {ALIGNED_TYPE}",
    f"first_divergence {DIVERGENCE_TYPE}",
    "cause string", "sub_cause string", "cause_word string", "cause_position int",
    "cause_evidence string",
    "cf_verdict string", "cf_probabilities array<double>", "cf_max_abs_delta double",
    "cf_consistent boolean",
    # Label flips (explain/flips.py, with the counterfactual): how many piece differences
    # were re-run one at a time on the left input, and the indexes into piece_alignment of
    # those that alone give the right label ([]: none alone does; null: not tried).
    "flip_tried int", "flip_alone array<int>",
    # The same differences grouped by the right side's word they fall in (explain/decisive.py)
    # and re-run a word at a time: how many words, and those whose differences together give
    # the right label (the word's text and span, its piece_alignment indexes); then the
    # decisive unit (DECISIVE_UNITS) and the word it names (the word of the first piece that
    # flips alone, else the first word that does; null for several_words / not_reproduced).
    "flip_words_tried int",
    f"flip_word_alone {FLIP_WORDS_TYPE}",
    "decisive_unit string", "decisive_word string",
    # Predictions each side made for the row (several: a sentence detector; null: one by
    # construction), and the deployment setting behind the row, with the audit's evidence
    # (explain/deployment_causes.py): label_order, vocabulary, sentence_splitting,
    # maxSentenceLength, caseSensitive, text_stage.
    "left_predictions int", "right_predictions int",
    "deployment_cause string", "deployment_evidence string",
    # Per-layer localisation of rows whose numbers differ on the same pieces (cause numerics or
    # cf_verdict not_reproduced; explain/localisation.py; null elsewhere or when the right
    # side's ONNX graph is not at hand): layer names (embeddings, layer.0 …,
    # logits), max |Δ| per layer over the row's pieces, the first layer past the tolerance.
    f"layer_localisation {LOCALISATION_TYPE}",
    # Input-first scoring: why the row was scored or not (SCORING_REASONS); null when every
    # row was scored.
    "scoring string",
])

LENGTH_BUCKETS = ((0, "0"), (1, "1-49"), (50, "50-99"), (100, "100-199"), (200, "200-499"),
                  (500, "500-1999"), (2000, "2000+"))

# What the gate counts as a label disagreement: the labels differ, or one side has no label
# because it failed or has no record (for a CI gate a prediction that went missing is as wrong
# as a flipped one). Counted once, by the summary's gate; summary.json, index.html and the
# verdict line read that count.
DISAGREEING_STATUSES = (LABEL_DIFFERS, ERROR_LEFT, ERROR_RIGHT, MISSING_LEFT, MISSING_RIGHT)
# What a sampled identical-input row must not show for the bound to hold: any output
# difference (a label, a probability beyond the tolerance, a side failing).
OUTPUT_DIFFERS_STATUSES = (*DISAGREEING_STATUSES, SCORES_DIFFER)


def delta_exceeds(delta: float | None, limit: float) -> bool:
    """Whether a |Δprobability| is beyond `limit`: the task's one NaN/null rule
    (parity_core/tasks/sequence_classification.exceeds), as every reader applies it.

    null (a side has no probabilities): nothing was compared, so nothing exceeds. NaN (one side
    NaN, the other a number): exceeds any limit, as Spark orders NaN above every number; the
    join (compare.rows) and the Spark aggregates (max, >, the |Δp| bins) already follow that
    order, so a Python reader must too, or a NaN row would differ in rows/ and pass the gate.
    """
    return exceeds(delta, limit)
