"""Reach the project's compiled jar (hfparity-functions.jar, built by jvm/build_jar.py) from any
session: a Java UDF to register, or a class to call (the join's explanation expression).

Sessions made by session.get_session and spark-submit through the venv carry the jar already;
a session made some other way (a notebook, a cluster's own defaults) gets it with ADD JAR.
"""

from __future__ import annotations

from typing import Any


def _add_project_jar(spark: Any) -> str | None:
    """ADD JAR the project's jar to `spark`; returns why that failed, or None."""
    from spark_pipelines.jvm.jars import functions_jar_path

    jar = functions_jar_path()
    if not jar.is_file():
        return (f"functions jar {jar} not built (run `make setup` or "
                "python -m spark_pipelines.jvm.build_jar)")
    try:
        spark.sql(f"ADD JAR '{jar}'")
        return None
    except Exception as problem:
        return f"ADD JAR {jar} failed: {str(problem).splitlines()[0][:200]}"


def register_java_udf(spark: Any, name: str, class_name: str, return_type: str) -> str | None:
    """Register `class_name` as SQL function `name`; returns why it is unavailable, or None."""
    def register() -> None:
        spark.udf.registerJavaFunction(name, class_name, return_type)

    try:
        register()
        return None
    except Exception as first:  # class not on the classpath
        problem = _add_project_jar(spark)
        if problem is not None:
            return f"{problem} ({type(first).__name__})"
        try:
            register()
            return None
        except Exception as second:
            return f"{class_name} not loadable: {str(second).splitlines()[0][:200]}"


def jvm_class(spark: Any, class_name: str) -> Any:
    """The py4j handle of `class_name` from the project's jar (ADD JAR when the session lacks
    it, as register_java_udf does); a str saying why it is unavailable otherwise."""
    from py4j.java_gateway import JavaClass

    def lookup() -> Any:
        handle = spark.sparkContext._jvm
        for part in class_name.split("."):
            handle = getattr(handle, part)
        return handle if isinstance(handle, JavaClass) else None

    found = lookup()
    if found is not None:
        return found
    problem = _add_project_jar(spark)
    if problem is not None:
        return f"{class_name}: {problem}"
    return lookup() or f"{class_name} not loadable after ADD JAR of the project's jar"
