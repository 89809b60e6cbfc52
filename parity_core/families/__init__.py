"""Tokenizer families: how text becomes model input (WordPiece, byte-level BPE, SentencePiece),
and every Spark NLP 5.5.3 fact about each: ids, offsets, masks, warnings, refusals, the fix's
word-split pattern, the family rules and the reasons a difference cannot be fixed. Pure data and
pure functions: both producers, the explanation, the report and the fix read them from here."""
