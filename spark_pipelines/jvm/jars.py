"""Resolve Spark NLP's JVM jars from Maven Central once, cache them, and hand them to Spark.

Resolution uses Spark's own client (spark.jars.packages with an ivy cache outside the clone),
exactly what a cluster user's `--packages` does. After set-up every Spark session gets the
cached jars through `spark.jars`, so tests and jobs never reach the network.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

from parity_core.config import cache_dir
from spark_pipelines.jvm.coordinates import derive_coordinates

FUNCTIONS_JAR_NAME = "hfparity-functions.jar"


def ivy_dir() -> Path:
    return cache_dir() / "ivy"


def functions_jar_path() -> Path:
    coords = derive_coordinates()
    return cache_dir() / "functions" / coords.sparknlp_version / FUNCTIONS_JAR_NAME


def cached_jars() -> list[str]:
    """Every jar set-up resolved (Spark NLP and its dependencies), sorted for stable classpaths."""
    return sorted(glob.glob(str(ivy_dir() / "jars" / "*.jar")))


def sparknlp_jar() -> Path:
    coords = derive_coordinates()
    matches = [
        jar
        for jar in cached_jars()
        if Path(jar).name == f"com.johnsnowlabs.nlp_{coords.artifact}-{coords.sparknlp_version}.jar"
    ]
    if not matches:
        raise FileNotFoundError(
            f"Spark NLP jar {coords.coordinate} is not in {ivy_dir() / 'jars'}: run `make setup`"
        )
    return Path(matches[0])


def session_jars() -> list[str]:
    """Jars a session needs: the resolved ones plus the project's UDF jar, when built."""
    jars = cached_jars()
    udf = functions_jar_path()
    if udf.is_file():
        jars.append(str(udf))
    return jars


def is_local_master(master: str | None) -> bool:
    """`local`, `local[N]`, `local[*]`, `local[N,F]`: the executor runs in the driver's JVM."""
    return bool(master) and (master == "local" or master.startswith("local["))


def local_jar_conf(jars: list[str]) -> dict[str, str]:
    """Spark conf that puts `jars` on a local master's one JVM without shipping them.

    With `spark.jars` every run's first task on a local master copies each jar (96 jars,
    ~296 MB with Spark NLP's) from the driver's file server into the executor's userFiles
    folder, although the executor is the driver's own JVM and already has them on its classpath.
    `spark.driver.extraClassPath` gives the same classes with no copy; `spark.jars` is emptied
    so a spark-defaults.conf naming the jars does not ship them anyway. Other masters keep
    `spark.jars` (their executors need the jars served).
    """
    return {"spark.driver.extraClassPath": os.pathsep.join(jars), "spark.jars": ""}


def submit_jar_flags(master: str, jars: list[str]) -> list[str]:
    """spark-submit flags that hand `jars` to a run on `master` (see local_jar_conf)."""
    if not is_local_master(master):
        return ["--jars", ",".join(jars)]
    conf = local_jar_conf(jars)
    return ["--driver-class-path", conf["spark.driver.extraClassPath"],
            "--conf", "spark.jars="]


_RESOLVE_SCRIPT = """
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[1]").appName("hfparity-resolve-jars")
         .config("spark.jars.packages", sys.argv[1])
         .config("spark.jars.excludes", sys.argv[2])
         .config("spark.jars.ivy", sys.argv[3])
         .config("spark.ui.enabled", "false")
         .getOrCreate())
spark.stop()
"""


def resolve() -> list[str]:
    """Download the Spark NLP jars into the ivy cache unless they are already there."""
    coords = derive_coordinates()
    try:
        sparknlp_jar()
        have = True
    except FileNotFoundError:
        have = False
    if have:
        print(f"[setup] Spark NLP jars: cached ({len(cached_jars())} jars in {ivy_dir()})")
        return cached_jars()
    print(f"[setup] Spark NLP jars: resolving {coords.packages} from Maven Central "
          f"into {ivy_dir()}")
    ivy_dir().mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", _RESOLVE_SCRIPT, coords.packages, coords.excludes, str(ivy_dir())],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise RuntimeError(f"resolving {coords.packages} failed:\n{tail}")
    sparknlp_jar()
    print(f"[setup] Spark NLP jars: {len(cached_jars())} jars cached")
    return cached_jars()


def spark_defaults_path() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "conf" / "spark-defaults.conf"


def write_spark_defaults() -> Path:
    """Point the venv's spark-submit at the cached jars, so `spark-submit jobs/...` just works."""
    path = spark_defaults_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by `make setup` (spark_pipelines/jvm/jars.py): the cached Spark NLP jars.",
        "# Cluster users pass --packages instead; see docs/cluster.md.",
        f"spark.jars {','.join(session_jars())}",
        "spark.serializer org.apache.spark.serializer.KryoSerializer",
        "spark.kryoserializer.buffer.max 1000M",
        "spark.sql.execution.arrow.pyspark.enabled true",
        f"spark.pyspark.python {sys.executable}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(path, 0o644)
    write_quiet_logging(path.parent)
    return path


# Spark's built-in default logs INFO to the console: thousands of lines per job, which bury the
# jobs' own summary lines. Warnings and errors still show; SPARK_CONF_DIR overrides this.
QUIET_LOG4J2 = """# Written by `make setup` (spark_pipelines/jvm/jars.py): warnings and errors only.
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.jetty.name = org.sparkproject.jetty
logger.jetty.level = warn
logger.parquet.name = org.apache.parquet
logger.parquet.level = error
"""


def write_quiet_logging(conf_dir: Path) -> Path:
    """log4j2.properties beside spark-defaults.conf, unless the user already put one there."""
    path = conf_dir / "log4j2.properties"
    ours = not path.exists() or path.read_text(encoding="utf-8").startswith("# Written by")
    if ours:
        path.write_text(QUIET_LOG4J2, encoding="utf-8")
    return path


if __name__ == "__main__":
    resolve()
