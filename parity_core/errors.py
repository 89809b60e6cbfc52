"""The errors library code raises; only the job layer (jobs/cli.py) turns them into exit codes.

Messages read `subject: problem`, naming the file, key, column or ids, and where it helps the fix.
"""

from __future__ import annotations


class ParityError(ValueError):
    """Input the tool refuses (exit 2 from a job): never a crash, never a silent guess."""


class ConfigError(ParityError):
    """A configuration or checkpoint problem; the message names the file and the key."""


class BadInput(ParityError):
    """An argument, corpus or records folder the tool refuses; the message names it."""
