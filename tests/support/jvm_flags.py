"""The JIT setting of every JVM the tests start.

Each is short-lived (a job on a few hundred rows) and the suite is CPU-bound on two cores, so
the C2 compiler's work never pays back: C1 only halves a spark-submit job's CPU (user 38 s ->
20 s for the Spark NLP job on 100 default-corpus rows) without changing what it computes.
Tests only: a production job on millions of rows wants C2.
"""

TEST_JVM_OPTIONS = "-XX:TieredStopAtLevel=1"


def with_test_jvm_options(existing: str) -> str:
    """`existing` JVM options plus TEST_JVM_OPTIONS, once."""
    options = existing.split()
    return " ".join([*options, *(o for o in TEST_JVM_OPTIONS.split() if o not in options)])
