"""Both sides' model input for every corpus row, compared; neither model runs.

Hugging Face: the checkpoint's tokenizer on the executors (spark_pipelines/hf/inputs.py, the
ids/mask/type-ids rule of hf_reference/inputs.py that the scorer feeds). Spark NLP: the run's own
stages before its classifier (DocumentAssembler -> Tokenizer, or a deployment's stages) and the
family's pieces UDF, which computes the ids, mask and type ids the records carry
(sparknlp/pipeline.py: model_input). A row whose input cannot be compared (a null text, no ids
on a side) counts as differing, so it is scored.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from parity_core.settings import EffectiveSettings
from spark_pipelines.compare.model_input import MODEL_INPUT, model_input_equal
from spark_pipelines.hf.inputs import hf_inputs
from spark_pipelines.sparknlp.pipeline import SparkNlpRun, model_input


def compared_inputs(corpus: DataFrame, settings: EffectiveSettings, run: SparkNlpRun
                    ) -> DataFrame:
    """DataFrame[id, text, position, input_equal, tokens, sentences] per corpus row.

    position: the row's place in the corpus as read (monotonic, not consecutive), which "the row
    after" is decided by. input_equal: both sides fed the same model input (never null).
    """
    positioned = corpus.select("id", F.monotonically_increasing_id().alias("position"))
    sparknlp = model_input(corpus, run).select(
        "id", "text", "tokens", "sentences",
        *(F.col(f"pieces.{name}").alias(f"sn_{name}") for name in MODEL_INPUT))
    joined = sparknlp.join(hf_inputs(corpus, settings), "id").join(positioned, "id")
    return joined.select(
        "id", "text", "position",
        F.coalesce(model_input_equal("hf_", "sn_"), F.lit(False)).alias("input_equal"),
        F.coalesce(F.col("tokens"), F.lit(0)).alias("tokens"),
        F.coalesce(F.col("sentences"), F.lit(0)).alias("sentences"))
