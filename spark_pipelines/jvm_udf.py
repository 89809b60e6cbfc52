"""Register a Java UDF from the project's compiled jar (udf_build), wherever the session is.

Sessions made by session.get_session and spark-submit through the venv carry the jar already;
a session made some other way (a notebook, a cluster's own defaults) gets it with ADD JAR.
"""

from __future__ import annotations

from typing import Any


def register_java_udf(spark: Any, name: str, class_name: str, return_type: str) -> str | None:
    """Register `class_name` as SQL function `name`; returns why it is unavailable, or None."""
    from spark_pipelines.jars import udf_jar_path

    def register() -> None:
        spark.udf.registerJavaFunction(name, class_name, return_type)

    try:
        register()
        return None
    except Exception as first:  # class not on the classpath
        jar = udf_jar_path()
        if not jar.is_file():
            return (f"UDF jar {jar} not built (run `make setup` or python -m "
                    f"spark_pipelines.udf_build): {type(first).__name__}")
        try:
            spark.sql(f"ADD JAR '{jar}'")
            register()
            return None
        except Exception as second:
            return f"{class_name} not loadable from {jar}: {str(second).splitlines()[0][:200]}"


def jvm_class(spark: Any, class_name: str) -> Any:
    """The py4j handle of `class_name` from the project's jar (ADD JAR when the session lacks
    it, as register_java_udf does); a str saying why it is unavailable otherwise."""
    from py4j.java_gateway import JavaClass

    from spark_pipelines.jars import udf_jar_path

    def lookup() -> Any:
        handle = spark.sparkContext._jvm
        for part in class_name.split("."):
            handle = getattr(handle, part)
        return handle if isinstance(handle, JavaClass) else None

    found = lookup()
    if found is not None:
        return found
    jar = udf_jar_path()
    if not jar.is_file():
        return f"UDF jar {jar} not built (run `make setup` or python -m spark_pipelines.udf_build)"
    try:
        spark.sql(f"ADD JAR '{jar}'")
    except Exception as problem:
        return f"{class_name}: ADD JAR {jar} failed: {str(problem).splitlines()[0][:200]}"
    return lookup() or f"{class_name} not loadable from {jar}"
