"""lapor-triage: sort citizen complaints so that genuine ones reach SP4N-LAPOR! and junk does not."""

__version__ = "0.1.0"
