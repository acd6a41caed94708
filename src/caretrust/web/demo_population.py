"""Moved to `caretrust.demo.population` (ADR 75); this name stays for code written before the move."""

from caretrust.demo.population import prepare  # noqa: F401
