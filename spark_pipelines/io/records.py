"""Write and read prediction-record folders: parquet + run fingerprint + completion marker.

Framework-neutral (pyspark only). A records folder is a parquet dataset whose `id` field carries
the run fingerprint as Spark field metadata (FINGERPRINT_FIELD_KEY), with the same fingerprint
in `_fingerprint.json` beside the data and a `_HFPARITY_COMPLETE` marker written last. It is
published as every output is (spark_pipelines/io/publish.py): written into a hidden temp folder
beside the target, then renamed; an existing output is replaced only with overwrite=True. Paths
go through Hadoop's FileSystem API, so local paths, file://, hdfs:// and object stores behave
the same.
"""

from __future__ import annotations

import json
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import from_arrow_schema

from parity_core.errors import BadInput
from parity_core.files import COMPLETE_MARKER, FINGERPRINT_FILE
from parity_core.records import (
    FINGERPRINT_FIELD_KEY,
    OPTIONAL_COLUMNS,
    RECORD_COLUMNS,
    RECORD_SCHEMA,
)
from spark_pipelines.io.publish import (
    Output,
    check_free,
    hadoop_path,
    is_complete,
    publish,
    read_text,
    write_text,
)

SPARK_RECORD_SCHEMA = from_arrow_schema(RECORD_SCHEMA)


class RecordsError(BadInput):
    """A records folder that cannot be written or read; the message names the path."""


def with_optional_columns(df: DataFrame) -> DataFrame:
    """Add the OPTIONAL_COLUMNS a folder written before them lacks, as nulls."""
    from pyspark.sql import functions as F

    for name in OPTIONAL_COLUMNS:
        if name not in df.columns:
            df = df.withColumn(name, F.lit(None).cast(SPARK_RECORD_SCHEMA[name].dataType))
    return df


def conform(df: DataFrame) -> DataFrame:
    """Exactly RECORD_COLUMNS, in order, with the record schema's types."""
    df = with_optional_columns(df)
    missing = [name for name in RECORD_COLUMNS if name not in df.columns]
    if missing:
        raise RecordsError(f"records lack columns {missing}")
    return df.select(*[df[f.name].cast(f.dataType).alias(f.name)
                       for f in SPARK_RECORD_SCHEMA.fields])


def write_records(df: DataFrame, out_dir: str, fingerprint: dict[str, Any],
                  overwrite: bool = False) -> str:
    """Write records + fingerprint atomically; refuse to replace out_dir unless overwrite."""
    spark = df.sparkSession
    out = Output(out_dir, out_dir, overwrite, RecordsError, "pass overwrite=True to replace it")
    check_free(spark, out)
    payload = json.dumps(fingerprint, sort_keys=True)
    records = conform(df).withMetadata("id", {FINGERPRINT_FIELD_KEY: payload})

    def write(tmp: str) -> None:
        records.write.mode("error").parquet(tmp)
        write_text(spark, tmp + "/" + FINGERPRINT_FILE,
                   json.dumps(fingerprint, indent=2, sort_keys=True) + "\n")
        write_text(spark, tmp + "/" + COMPLETE_MARKER, payload + "\n")

    publish(spark, out, write)
    return out_dir


def read_records(spark: SparkSession, records_dir: str) -> tuple[DataFrame, dict[str, Any]]:
    """(records, fingerprint) of a complete records folder; incomplete folders are refused."""
    fs, hpath = hadoop_path(spark, records_dir)
    if not fs.exists(hpath):
        raise RecordsError(f"{records_dir}: no such records folder")
    if not is_complete(spark, records_dir):
        raise RecordsError(f"{records_dir}: no {COMPLETE_MARKER} marker; the run that wrote it "
                           "did not finish (or it was not written by this tool)")
    df = spark.read.parquet(records_dir)
    missing = [name for name in RECORD_COLUMNS
               if name not in df.columns and name not in OPTIONAL_COLUMNS]
    if missing:
        raise RecordsError(f"{records_dir}: not a records folder, columns {missing} missing")
    embedded = df.schema["id"].metadata.get(FINGERPRINT_FIELD_KEY)
    df = with_optional_columns(df)
    manifest = read_text(spark, records_dir.rstrip("/") + "/" + FINGERPRINT_FILE)
    if embedded is None and manifest is None:
        raise RecordsError(f"{records_dir}: no run fingerprint (neither in parquet nor "
                           f"{FINGERPRINT_FILE})")
    fingerprint = json.loads(embedded if embedded is not None else manifest)
    if embedded is not None and manifest is not None and json.loads(manifest) != fingerprint:
        raise RecordsError(f"{records_dir}: {FINGERPRINT_FILE} and the parquet fingerprint differ")
    return df.select(*RECORD_COLUMNS), fingerprint
