"""What every spark-submit job shares: argument checks done before Spark starts, exit codes.

Exit codes: 0 done (or within thresholds), 1 outside thresholds (compare), 2 bad input,
3 the job failed (an unexpected error: traceback on stderr, no output published). A CI gate on
exit 1 must never mistake a crashed run for a disagreement, so a crash is never 1.
Errors read `subject: problem` and, where it helps, how to fix it.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from parity_core.config import CorpusConfig, ProjectConfig, load_config
from parity_core.errors import BadInput, ParityError
from parity_core.files import is_remote
from spark_pipelines.io.publish import Output, check_free_local

EXIT_OK = 0
EXIT_THRESHOLD = 1
EXIT_BAD_INPUT = 2
EXIT_FAILED = 3
CORPUS_SUFFIXES = (".parquet", ".csv", ".jsonl", ".json")


def base_parser(description: str, examples: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=description,
        epilog=f"examples:\n{examples}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", required=True, help="YAML settings, e.g. conf/default.yaml")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing output (refused otherwise)")
    return parser


def check_config(path: str) -> ProjectConfig:
    return load_config(path)


def check_corpus_path(path: str, flag: str = "--input") -> str:
    """A local corpus must exist and look like parquet/CSV/JSON lines; remote paths pass."""
    if is_remote(path):
        return path
    local = Path(path.removeprefix("file://"))
    if not local.exists():
        raise BadInput(f"{flag} {path}: no such file or folder")
    if local.is_file() and not local.name.lower().endswith(CORPUS_SUFFIXES):
        raise BadInput(
            f"{flag} {path}: unknown format; use .parquet, .csv or .jsonl (JSON lines)"
        )
    return path


def check_output_path(path: str, overwrite: bool, flag: str = "--output") -> str:
    """Refuse to replace an existing output unless asked (spark_pipelines/io/publish.py: the
    rule every output follows); a remote path is checked by the job itself."""
    check_free_local(Output(path, f"{flag} {path}", overwrite))
    return path


def say(message: str) -> None:
    """A progress or verdict line of the `hfparity` command (every task prints through here)."""
    print(f"[hfparity] {message}", flush=True)


def exit_code(main: Callable[[], int]) -> int:
    """Run a job's main and turn refusals into exit code 2 with a one-line message."""
    try:
        return main()
    except ParityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception:  # any other failure: report it and exit with its own code
        traceback.print_exc()
        print("error: the job failed (exit 3); no output was published", file=sys.stderr)
        return EXIT_FAILED


def run(main: Callable[[], int]) -> None:
    """exit_code(main), then exit the process with it (spark-submit entry points)."""
    sys.exit(exit_code(main))


def add_corpus_columns(parser: argparse.ArgumentParser) -> None:
    """--text-column, --id-column and --encoding: how every command that reads a user's corpus
    names its columns (defaults: parity_core.config.CorpusConfig)."""
    columns = CorpusConfig()
    parser.add_argument("--text-column", default=columns.text_column,
                        help=f"the corpus' text column (default {columns.text_column})")
    parser.add_argument("--id-column", default=columns.id_column,
                        help=f"the corpus' id column (default {columns.id_column}; absent: ids "
                        "are derived from position and text)")
    parser.add_argument("--encoding", default=columns.encoding,
                        help=f"how a CSV or JSON lines corpus is decoded (default "
                        f"{columns.encoding}); a byte not in it is refused, never replaced")
