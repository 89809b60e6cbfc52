"""Input-first scoring: compare both sides' model input on every row, choose the rows to score.

inputs.py computes both sides' model input without running either model and compares it (the
rule: compare/model_input.py); choose.py picks the rows to score (differing input, rows where
batch effects could act, a seeded sample of identical-input rows) and the texts to score once;
job.py writes the selection folder the producers and the join read (docs/input-first.md).
"""
