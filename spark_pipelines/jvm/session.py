"""Spark sessions: reuse the one spark-submit made, or build a local one with the cached jars."""

from __future__ import annotations

import os
import sys

from pyspark.sql import SparkSession

from spark_pipelines.jvm.jars import is_local_master, local_jar_conf, session_jars
from spark_pipelines.jvm.tmpdir import (
    DRIVER_JAVA_OPTIONS,
    private_tmpdir_until_exit,
    with_tmpdir,
)


def get_session(app_name: str, master: str | None = None, conf: dict[str, str] | None = None
                ) -> SparkSession:
    """The active session (spark-submit) or a new local one that has the Spark NLP jars.

    Under spark-submit the master, jars and packages come from its flags and spark-defaults;
    in-process callers (tests, local tools) get `local[2]` with the cached jars and a private
    java.io.tmpdir, removed at exit (Spark NLP 5.5.3 leaves model copies there: jvm/tmpdir.py).
    """
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName(app_name)
    launched_by_submit = "PYSPARK_GATEWAY_PORT" in os.environ
    if not launched_by_submit:
        # Python workers run PYSPARK_PYTHON (not spark.pyspark.python) when the driver is ours.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        master = master or os.environ.get("HFPARITY_MASTER", "local[2]")
        builder = builder.master(master)
        jars = session_jars()
        if jars and is_local_master(master):
            for key, value in local_jar_conf(jars).items():  # no per-session copy of the jars
                builder = builder.config(key, value)
        elif jars:
            builder = builder.config("spark.jars", ",".join(jars))
        builder = (
            builder.config("spark.driver.memory", os.environ.get("HFPARITY_DRIVER_MEMORY", "6g"))
            .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .config("spark.kryoserializer.buffer.max", "1000M")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.pyspark.python", sys.executable)
        )
    conf = dict(conf or {})
    if not launched_by_submit:
        conf[DRIVER_JAVA_OPTIONS] = with_tmpdir(conf.get(DRIVER_JAVA_OPTIONS),
                                                private_tmpdir_until_exit())
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
