"""The summary of the hand-made rows (rows_by_hand.py), built by real Spark, and its page."""

from __future__ import annotations

from typing import Any

import pytest

from spark_pipelines.compare.summary import build_summary
from spark_pipelines.report import schema
from spark_pipelines.report.html import render_report
from spark_pipelines.report.model import Summary
from tests.spark_pipelines.report.rows_by_hand import LEFT_FP, RIGHT_FP, rows_by_hand


@pytest.fixture(scope="module")
def rows(settings) -> list[dict[str, Any]]:
    return rows_by_hand(*settings.labels[:2])


@pytest.fixture(scope="module")
def summary(spark, rows, project_config, settings) -> Summary:
    frame = spark.createDataFrame(rows, schema=schema.ROWS_DDL)
    return build_summary(frame, LEFT_FP, RIGHT_FP, project_config, settings)


@pytest.fixture(scope="module")
def page(summary) -> str:
    return render_report(summary)
