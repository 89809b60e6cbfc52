"""Write and read prediction-record folders: parquet + run fingerprint + completion marker.

Framework-neutral (pyspark only). A records folder is a parquet dataset whose `id` field carries
the run fingerprint as Spark field metadata (FINGERPRINT_FIELD_KEY), with the same fingerprint
in `_fingerprint.json` beside the data and a `_HFPARITY_COMPLETE` marker written last. Publishing
is atomic at folder level: data is written to a hidden temp folder beside the target, then
renamed; an existing output is replaced only with overwrite=True. Paths go through Hadoop's
FileSystem API, so local paths, file://, hdfs:// and object stores behave the same.
"""

from __future__ import annotations

import json
import uuid
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

SPARK_RECORD_SCHEMA = from_arrow_schema(RECORD_SCHEMA)


class RecordsError(BadInput):
    """A records folder that cannot be written or read; the message names the path."""


def _fs(spark: SparkSession, path: str) -> tuple[Any, Any]:
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    return hpath.getFileSystem(conf), hpath


def _write_text(spark: SparkSession, path: str, text: str) -> None:
    fs, hpath = _fs(spark, path)
    stream = fs.create(hpath, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def _read_text(spark: SparkSession, path: str) -> str | None:
    fs, hpath = _fs(spark, path)
    if not fs.exists(hpath):
        return None
    jvm = spark.sparkContext._jvm
    stream = fs.open(hpath)
    try:
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


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
    fs, target = _fs(spark, out_dir)
    occupied = fs.exists(target) and (
        not fs.getFileStatus(target).isDirectory() or len(fs.listStatus(target)) > 0)
    if occupied and not overwrite:
        raise RecordsError(f"{out_dir}: already exists; pass overwrite=True to replace it")
    parent = target.getParent()
    token = uuid.uuid4().hex[:12]
    tmp = parent.suffix("/." + target.getName() + f".tmp-{token}")
    payload = json.dumps(fingerprint, sort_keys=True)
    records = conform(df).withMetadata("id", {FINGERPRINT_FIELD_KEY: payload})
    try:
        records.write.mode("error").parquet(tmp.toString())
        _write_text(spark, tmp.toString() + "/" + FINGERPRINT_FILE,
                    json.dumps(fingerprint, indent=2, sort_keys=True) + "\n")
        _write_text(spark, tmp.toString() + "/" + COMPLETE_MARKER, payload + "\n")
    except BaseException:
        fs.delete(tmp, True)  # a failed write leaves no half-written folder behind
        raise
    try:
        publish_folder(fs, tmp, target, out_dir)
    except PublishError:
        fs.delete(tmp, True)
        raise
    return out_dir


class PublishError(RuntimeError):
    """A finished temp folder could not be renamed into place (the old output is kept)."""


def publish_folder(fs: Any, tmp: Any, target: Any, shown: str) -> None:
    """Rename the finished `tmp` to `target`, moving an existing target aside first and
    deleting it only after the rename: at every moment either the old or the new output is
    published, never a half of either. `shown` is the path as the user gave it."""
    old = target.getParent().suffix(f"/.{target.getName()}.old-{tmp.getName()[-12:]}")
    if fs.exists(target) and not fs.rename(target, old):
        raise PublishError(f"{shown}: could not move the old output aside")
    if not fs.rename(tmp, target):
        if fs.exists(old):
            fs.rename(old, target)
        raise PublishError(f"{shown}: could not publish {tmp.toString()}")
    if fs.exists(old):
        fs.delete(old, True)


def read_records(spark: SparkSession, records_dir: str) -> tuple[DataFrame, dict[str, Any]]:
    """(records, fingerprint) of a complete records folder; incomplete folders are refused."""
    fs, hpath = _fs(spark, records_dir)
    if not fs.exists(hpath):
        raise RecordsError(f"{records_dir}: no such records folder")
    if not fs.exists(hpath.suffix("/" + COMPLETE_MARKER)):
        raise RecordsError(f"{records_dir}: no {COMPLETE_MARKER} marker; the run that wrote it "
                           "did not finish (or it was not written by this tool)")
    df = spark.read.parquet(records_dir)
    missing = [name for name in RECORD_COLUMNS
               if name not in df.columns and name not in OPTIONAL_COLUMNS]
    if missing:
        raise RecordsError(f"{records_dir}: not a records folder, columns {missing} missing")
    embedded = df.schema["id"].metadata.get(FINGERPRINT_FIELD_KEY)
    df = with_optional_columns(df)
    manifest = _read_text(spark, records_dir.rstrip("/") + "/" + FINGERPRINT_FILE)
    if embedded is None and manifest is None:
        raise RecordsError(f"{records_dir}: no run fingerprint (neither in parquet nor "
                           f"{FINGERPRINT_FILE})")
    fingerprint = json.loads(embedded if embedded is not None else manifest)
    if embedded is not None and manifest is not None and json.loads(manifest) != fingerprint:
        raise RecordsError(f"{records_dir}: {FINGERPRINT_FILE} and the parquet fingerprint differ")
    return df.select(*RECORD_COLUMNS), fingerprint
