"""What a Spark process needs: Spark NLP coordinates and jars, the project's JVM functions (Java
sources in java/, built into hfparity-functions.jar), sessions with a private temp folder, and
what to ship to a cluster."""
