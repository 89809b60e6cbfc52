"""Python workers take Spark's Arrow batches a slice at a time.

Arrow hands a task up to 10,000 rows per batch (spark.sql.execution.arrow.maxRecordsPerBatch),
and whatever a worker builds per row (records, arrays) grows with the batch until batches are
full: a 100,000-row corpus doubled the Spark NLP worker's peak over a 10,000-row one. Slices of
WORKER_CHUNK_ROWS keep a worker's memory flat; slicing is zero-copy.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

WORKER_CHUNK_ROWS = 1000


def row_chunks(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
    """The batch in consecutive slices of at most WORKER_CHUNK_ROWS rows (none when empty)."""
    for start in range(0, batch.num_rows, WORKER_CHUNK_ROWS):
        yield batch.slice(start, WORKER_CHUNK_ROWS)
