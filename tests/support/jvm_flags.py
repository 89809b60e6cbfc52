"""The JIT setting of every JVM the tests start.

Every spark-submit driver, and the standalone cluster's JVMs, is short-lived (a job on a few
hundred rows) and the suite is CPU-bound on two cores, so the C2 compiler's work never pays
back: C1 only takes the Spark NLP job on 100 default-corpus rows from 41.4 to 23.9 CPU seconds
and the Hugging Face job from 23.9 to 15.2 (benchmarks/fixed_cost.py --java-options), without
changing what they compute. The test session's own JVM is the exception (tests/conftest.py):
it lives the whole run, and a full run with C1 there made the in-process tests 10-40% slower.
Tests only: a production job on millions of rows wants C2.
"""

TEST_JVM_OPTIONS = "-XX:TieredStopAtLevel=1"


def with_test_jvm_options(existing: str) -> str:
    """`existing` JVM options plus TEST_JVM_OPTIONS, once."""
    options = existing.split()
    return " ".join([*options, *(o for o in TEST_JVM_OPTIONS.split() if o not in options)])
