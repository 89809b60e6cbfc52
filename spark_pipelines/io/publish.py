"""Publishing an output folder: refuse one that is there, write it beside, rename it into place.

The one home of the rules every output of this project follows:
- occupied: an output that exists as a file or a non-empty folder is replaced only when asked
  (--overwrite, overwrite=True); the refusal reads `<what the user named>: already exists; <how
  to replace it>`, and a BadInput (or the caller's subclass of it) is exit code 2 in the jobs.
- atomic: a folder is written complete into a hidden temp folder beside the target
  (`.NAME.tmp-TOKEN`), its completion marker (COMPLETE_MARKER) last, then renamed into place;
  an existing target is moved aside first and deleted only after the rename, so at every moment
  either the old or the new output is published, never a half of either. A failure deletes the
  temp folder and leaves the old output as it was.
- finished: a folder is a finished output when it holds the completion marker.
With Spark running, paths go through Hadoop's FileSystem API, so local paths, file://, hdfs://
and object stores behave the same; the `local_*` twins serve checks made before Spark starts
(jobs/cli.py) and the plain local folders of `hfparity import` and `hfparity fix`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from parity_core.errors import BadInput
from parity_core.files import COMPLETE_MARKER, is_remote

if TYPE_CHECKING:  # the local checks run before Spark starts: no pyspark import for them
    from pyspark.sql import SparkSession

T = TypeVar("T")
OVERWRITE_HINT = "pass --overwrite to replace it"


class PublishError(RuntimeError):
    """A finished temp folder could not be renamed into place (the old output is kept)."""


@dataclass(frozen=True)
class Output:
    """An output as the user named it (`shown`, e.g. `--output out/report`), whether it may be
    replaced, and how a refusal is raised and says how to replace it."""

    path: str
    shown: str
    overwrite: bool = False
    error: type[BadInput] = BadInput
    hint: str = OVERWRITE_HINT

    def refusal(self, what: str = "already exists") -> BadInput:
        return self.error(f"{self.shown}: {what}; {self.hint}")


# --- Hadoop FileSystem paths (Spark running) ------------------------------------------------

def hadoop_path(spark: SparkSession, path: str) -> tuple[Any, Any]:
    """(the Hadoop FileSystem that holds path, path as a Hadoop Path)."""
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    return hpath.getFileSystem(conf), hpath


def write_text(spark: SparkSession, path: str, text: str) -> None:
    """Write a UTF-8 text file (replacing one that is there)."""
    fs, hpath = hadoop_path(spark, path)
    stream = fs.create(hpath, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def read_text(spark: SparkSession, path: str) -> str | None:
    """A UTF-8 text file's content, None when there is no such file."""
    fs, hpath = hadoop_path(spark, path)
    if not fs.exists(hpath):
        return None
    jvm = spark.sparkContext._jvm
    stream = fs.open(hpath)
    try:
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def occupied(fs: Any, hpath: Any) -> bool:
    """The path exists as a file or as a non-empty folder."""
    return fs.exists(hpath) and (not fs.getFileStatus(hpath).isDirectory()
                                 or len(fs.listStatus(hpath)) > 0)


def check_free(spark: SparkSession, out: Output) -> None:
    """Refuse an occupied output unless it may be replaced."""
    fs, target = hadoop_path(spark, out.path)
    if occupied(fs, target) and not out.overwrite:
        raise out.refusal()


def is_complete(spark: SparkSession, folder: str) -> bool:
    """The folder exists and holds the completion marker (the run that wrote it finished)."""
    fs, hpath = hadoop_path(spark, folder)
    return bool(fs.exists(hpath) and fs.exists(hpath.suffix("/" + COMPLETE_MARKER)))


def publish(spark: SparkSession, out: Output, write: Callable[[str], T],
            during: str = "writing") -> T:
    """write(temp folder) fills a hidden temp folder beside out.path (marker last), which is
    then renamed into place; returns what write returned. An output that appeared meanwhile is
    refused (`appeared while <during>`) unless it may be replaced."""
    fs, target = hadoop_path(spark, out.path)
    tmp = target.getParent().suffix(f"/.{target.getName()}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        result = write(tmp.toString())
        if occupied(fs, target) and not out.overwrite:
            raise out.refusal(f"appeared while {during}")
        _rename_into_place(_HadoopFolders(fs), tmp, target, out.shown)
        return result
    finally:
        if fs.exists(tmp):  # a failed write leaves no half-written folder behind
            fs.delete(tmp, True)


# --- local paths (before Spark starts, and the local-only outputs) --------------------------

def local_occupied(path: Path) -> bool:
    """The local path exists as a file or as a non-empty folder."""
    return path.exists() and (not path.is_dir() or any(path.iterdir()))


def check_free_local(out: Output) -> None:
    """Before Spark starts: refuse a local output that is a file, or is occupied unless it may
    be replaced; a remote path passes (the job checks it through Hadoop)."""
    if is_remote(out.path):
        return
    local = Path(out.path.removeprefix("file://"))
    if local.exists() and not local.is_dir():
        raise BadInput(f"{out.shown}: exists and is not a folder")
    if local_occupied(local) and not out.overwrite:
        raise out.refusal()


def is_complete_local(folder: Path) -> bool:
    """The local folder holds the completion marker."""
    return (folder / COMPLETE_MARKER).is_file()


def clear_local(out: Output) -> Path:
    """An empty local folder at out.path for an output built in place: an occupied one is
    refused unless it may be replaced, and then deleted first."""
    folder = Path(out.path)
    if local_occupied(folder):
        if not out.overwrite:
            raise out.refusal()
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def publish_local(target: Path, write: Callable[[Path], T]) -> T:
    """`publish` for a local folder that is always replaced (a cache such as an imported
    model): write(temp folder) fills a hidden temp folder beside target, renamed into place."""
    staged = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        result = write(staged)
        _rename_into_place(_LocalFolders(), staged, target, str(target))
        return result
    finally:
        shutil.rmtree(staged, ignore_errors=True)  # a failed write leaves nothing behind


def write_file_atomically(path: Path, text: str) -> Path:
    """Write a local UTF-8 file beside its place, then rename it in: a reader sees the old
    content or the new, never a half."""
    draft = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        draft.write_text(text, encoding="utf-8")
        os.replace(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return path


# --- the rename, once for both kinds of path ------------------------------------------------

class _Folders(Protocol):
    def exists(self, path: Any) -> bool: ...
    def rename(self, source: Any, target: Any) -> bool: ...
    def delete(self, path: Any) -> None: ...
    def beside(self, target: Any, name: str) -> Any: ...
    def name(self, path: Any) -> str: ...


class _HadoopFolders:
    def __init__(self, fs: Any) -> None:
        self.fs = fs

    def exists(self, path: Any) -> bool:
        return bool(self.fs.exists(path))

    def rename(self, source: Any, target: Any) -> bool:
        return bool(self.fs.rename(source, target))

    def delete(self, path: Any) -> None:
        self.fs.delete(path, True)

    def beside(self, target: Any, name: str) -> Any:
        return target.getParent().suffix(f"/{name}")

    def name(self, path: Any) -> str:
        return str(path.getName())


class _LocalFolders:
    def exists(self, path: Path) -> bool:
        return path.exists()

    def rename(self, source: Path, target: Path) -> bool:
        try:
            os.rename(source, target)
        except OSError:
            return False
        return True

    def delete(self, path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)

    def beside(self, target: Path, name: str) -> Path:
        return target.with_name(name)

    def name(self, path: Path) -> str:
        return path.name


def _rename_into_place(folders: _Folders, tmp: Any, target: Any, shown: str) -> None:
    """Rename the finished `tmp` to `target`, moving an existing target aside first and
    deleting it only after the rename. `shown` is the path as the user gave it."""
    old = folders.beside(target, f".{folders.name(target)}.old-{folders.name(tmp)[-12:]}")
    if folders.exists(target) and not folders.rename(target, old):
        raise PublishError(f"{shown}: could not move the old output aside")
    if not folders.rename(tmp, target):
        if folders.exists(old):
            folders.rename(old, target)
        raise PublishError(f"{shown}: could not publish {tmp}")
    if folders.exists(old):
        folders.delete(old)
