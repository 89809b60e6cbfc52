"""The Spark NLP Maven coordinate, derived in one place from the installed packages.

The JVM jar must be the same release as the `spark-nlp` Python wrapper, and its Scala suffix
follows the installed pyspark. Nothing else in the project spells the coordinate.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

# Spark NLP 5.5.3 depends on JSL builds of TensorFlow, OpenVINO and llama.cpp that the Maven
# Central mirror reachable here does not serve. The ONNX path needs only TensorFlow's Java API
# classes (types in method signatures), which the upstream artifact below provides.
EXCLUDED_ARTIFACTS = (
    "com.johnsnowlabs.nlp:tensorflow-cpu_2.12",
    "com.johnsnowlabs.nlp:jsl-llamacpp-cpu_2.12",
    "com.johnsnowlabs.nlp:jsl-openvino-cpu_2.12",
)
EXTRA_PACKAGES = ("org.tensorflow:tensorflow-core-api:0.4.2",)


@dataclass(frozen=True)
class SparkNlpCoordinates:
    pyspark_version: str
    sparknlp_version: str
    scala_binary: str
    artifact: str

    @property
    def coordinate(self) -> str:
        return f"com.johnsnowlabs.nlp:{self.artifact}:{self.sparknlp_version}"

    @property
    def packages(self) -> str:
        """Value for `--packages` / spark.jars.packages."""
        return ",".join((self.coordinate, *EXTRA_PACKAGES))

    @property
    def excludes(self) -> str:
        """Value for `--exclude-packages` / spark.jars.excludes."""
        return ",".join(EXCLUDED_ARTIFACTS)


def derive_coordinates(
    pyspark_version: str | None = None, sparknlp_version: str | None = None
) -> SparkNlpCoordinates:
    """Map installed pyspark + spark-nlp wrapper versions to the matching JVM artifact."""
    pyspark_version = pyspark_version or metadata.version("pyspark")
    sparknlp_version = sparknlp_version or metadata.version("spark-nlp")
    major, minor = (int(part) for part in pyspark_version.split(".")[:2])
    if major == 3:
        scala, artifact = "2.12", "spark-nlp_2.12"
    elif (major, minor) == (4, 0) and pyspark_version == "4.0.0":
        scala, artifact = "2.13", "spark-nlp-spark400_2.13"
    elif major == 4:
        scala, artifact = "2.13", "spark-nlp_2.13"
    else:
        raise ValueError(f"pyspark {pyspark_version}: no Spark NLP build is known for it")
    return SparkNlpCoordinates(pyspark_version, sparknlp_version, scala, artifact)


if __name__ == "__main__":
    coords = derive_coordinates()
    print(f"--packages {coords.packages} --exclude-packages {coords.excludes}")
