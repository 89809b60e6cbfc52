"""Why two rows differ: the row explanation (alignment, first divergence, cause by stage; a JVM
expression whose Java sits in java/hfparity/explain), the family rules and deployment causes, and
the re-runs that prove a cause (counterfactual, decisive difference, per-layer localisation)."""
