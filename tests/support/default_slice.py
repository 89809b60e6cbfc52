"""One slice of the default corpus, scored once per test session by both producers.

Several tests need real records of the default checkpoint on a small corpus (the compare job's
tests, the cluster test's local baseline, the spark-submit Spark NLP job test): scoring the
same rows again in each module costs a model load and a Spark job per module. The session
fixtures in tests/conftest.py write the slice and both record sets here once; tests read them
and write anything of their own under their own tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SNIPPETS = 44
EDGE_IDS = ("edge-casing-upper", "edge-accents", "edge-contractions", "edge-emoji", "edge-zwj",
            "edge-cjk", "edge-nbsp", "edge-soft-hyphen", "edge-long-word", "edge-very-long",
            "edge-empty", "edge-whitespace", "edge-nbsp-only", "edge-null", "edge-punctuation",
            "edge-control-chars")
ROWS = SNIPPETS + len(EDGE_IDS)


def write_default_slice(source: Path, target: Path) -> Path:
    """The first SNIPPETS ordinary snippets and the EDGE_IDS rows of the default corpus."""
    table = pq.read_table(source, columns=["id", "text"])
    edges = pc.is_in(table["id"], value_set=pa.array(EDGE_IDS))
    snippets = table.filter(pc.invert(pc.starts_with(table["id"], "edge-"))).slice(0, SNIPPETS)
    chosen = pa.concat_tables([snippets, table.filter(edges)])
    assert chosen.num_rows == ROWS, f"{source}: {chosen.num_rows} rows chosen, not {ROWS}"
    pq.write_table(chosen, target)
    return target
