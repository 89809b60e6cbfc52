"""Import an ONNX export into Spark NLP and save it as a reusable model folder.

The annotator class is the family's (`BertForSequenceClassification`,
`DistilBertForSequenceClassification`, `RoBertaForSequenceClassification`:
parity_core.checkpoint.FAMILIES), named by the export's manifest; `loadSavedModel` reads
model.onnx + the family's assets (vocab.txt, labels.txt, merges.txt for RoBERTa), and the
saved folder is what clusters load. The manifest (weights, vocab, labels and ONNX sha256) is
copied beside it, so a second import of the same export returns at once and the Spark NLP
records name the same checkpoint. Spark NLP keeps one model.onnx per SparkContext (a second,
different ONNX model fails with "File …/model.onnx exists and does not match contents"), so
each import runs in a Spark session of its own: `main` is that process.
Run: python -m spark_pipelines.sparknlp.import_model [--onnx DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from parity_core.checkpoint import FAMILIES, Family
from parity_core.config import cache_dir
from parity_core.errors import ConfigError
from parity_core.fingerprint import read_model_manifest, write_model_manifest
from parity_core.tasks.token_classification import ARCHITECTURES as TOKEN_ARCHITECTURES
from parity_core.tasks.token_classification import is_token_classification
from spark_pipelines.io.publish import publish_local


def family_of_export(onnx_dir: str) -> Family:
    """The family the export's manifest names (manifests from before families: BERT)."""
    name = read_model_manifest(onnx_dir).get("family", "bert")
    if name not in FAMILIES:
        raise ConfigError(f"ONNX export {onnx_dir}: manifest family {name!r} is not one of "
                          f"{', '.join(sorted(FAMILIES))}; export it again with this version")
    return FAMILIES[name]


def annotator_class(family: Family) -> Any:
    """The sparknlp.annotator class for a family."""
    import sparknlp.annotator

    return getattr(sparknlp.annotator, family.sparknlp_annotator)


def load_from_onnx(spark: SparkSession, onnx_dir: str, family: Family | None = None) -> Any:
    """loadSavedModel on an ONNX export folder with the family's annotator."""
    folder = Path(onnx_dir)
    family = family or family_of_export(onnx_dir)
    for needed in ("model.onnx", *(f"assets/{name}" for name in family.assets)):
        if not (folder / needed).is_file():
            raise FileNotFoundError(f"ONNX export {folder}: {needed} missing")
    return export_annotator(onnx_dir, family).loadSavedModel(str(folder), spark)


def export_annotator(onnx_dir: str, family: Family) -> Any:
    """The annotator class for the export: the family's token classifier when the manifest's
    architecture is one (parity_core/tasks/token_classification.py), else its sequence one."""
    import sparknlp.annotator

    architecture = read_model_manifest(onnx_dir).get("architecture")
    if is_token_classification(architecture):
        return getattr(sparknlp.annotator, TOKEN_ARCHITECTURES[family.name][1])
    return annotator_class(family)


def is_current(onnx_dir: str, out_dir: str) -> bool:
    """The saved model exists and was imported from this very ONNX export."""
    out = Path(out_dir)
    built = (out / "metadata").is_dir() and (out / "hfparity_manifest.json").is_file()
    return built and read_model_manifest(out) == read_model_manifest(onnx_dir)


def import_and_save(spark: SparkSession, onnx_dir: str, out_dir: str) -> Path:
    """Import once, save atomically (write beside, then rename: io/publish.py), keep the
    manifest with it."""
    out = Path(out_dir)
    family = family_of_export(onnx_dir)
    annotator = export_annotator(onnx_dir, family).__name__
    print(f"[import] Spark NLP {annotator}.loadSavedModel({onnx_dir}) -> {out}",
          flush=True)
    model = load_from_onnx(spark, onnx_dir, family)

    def write(tmp: Path) -> None:
        model.write().overwrite().save(str(tmp))
        write_model_manifest(tmp, read_model_manifest(onnx_dir))

    publish_local(out, write)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    default = cache_dir() / "default"
    parser.add_argument("--onnx", default=str(default / "onnx"))
    parser.add_argument("--out", default=str(default / "sparknlp_model"))
    args = parser.parse_args(argv)
    out = str(Path(args.out).resolve())
    if is_current(args.onnx, out):
        print(f"[setup] Spark NLP model: cached ({out})", flush=True)
        return 0
    from spark_pipelines.jvm.session import get_session

    spark = get_session("hfparity-import-model", master="local[1]")
    try:
        import_and_save(spark, args.onnx, out)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
