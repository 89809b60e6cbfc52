"""What a run pays before its first row (issue 20): no torch import in the Hugging Face job's
driver (its fingerprint versions read from source are the modules' own), and on a local master
the jars reach the one JVM by class path, never copied into the executor's folder."""

from __future__ import annotations

import glob
import subprocess
import sys

from spark_pipelines.jvm.jars import is_local_master, submit_jar_flags


def test_declared_versions_equal_the_imported_ones() -> None:
    """Read from source in a fresh Python (nothing imported), compared with the modules' own."""
    code = ("import sys; from hf_reference.versions import package_version; "
            "read = [package_version('torch'), package_version('transformers')]; "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules; "
            "print(*read)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    import torch
    import transformers

    assert done.stdout.split() == [torch.__version__, transformers.__version__]


def test_fp32_cpu_check_imports_no_torch() -> None:
    """The default numerics pass the job's pre-Spark check without a torch import."""
    code = ("import sys; from hf_reference.model import check_numerics; "
            "check_numerics('fp32', 'cpu'); assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_local_session_gets_the_jars_without_copying_them(spark) -> None:
    """The session fixture (get_session, local[2]) runs Spark NLP and our Java functions from the
    class path; after a task ran, the executor's userFiles folder holds no jar."""
    assert spark.conf.get("spark.jars", "") == ""
    assert spark.sparkContext.range(4, numSlices=2).map(lambda x: x).count() == 4
    jvm = spark.sparkContext._jvm
    loader = jvm.Thread.currentThread().getContextClassLoader()
    for name in ("com.johnsnowlabs.nlp.annotators.classifier.dl.BertForSequenceClassification",
                 "hfparity.SparkNlpWordpieces"):
        assert jvm.Class.forName(name, False, loader).getName() == name
    root = jvm.org.apache.spark.SparkFiles.getRootDirectory()
    assert glob.glob(f"{root}/*.jar") == []


def test_submit_flags_ship_jars_only_off_local_masters() -> None:
    jars = ["/a/x.jar", "/b/y.jar"]
    assert [is_local_master(m) for m in ("local", "local[2]", "local[*]", "local[2,3]",
                                         "spark://h:7077", "yarn", "")] == [
        True, True, True, True, False, False, False]
    assert submit_jar_flags("local[2]", jars) == [
        "--driver-class-path", "/a/x.jar:/b/y.jar", "--conf", "spark.jars="]
    assert submit_jar_flags("spark://h:7077", jars) == ["--jars", "/a/x.jar,/b/y.jar"]
