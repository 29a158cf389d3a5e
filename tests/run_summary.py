"""Sections that tests want printed at the end of the run (for example conformance reports)."""

SUMMARY_SECTIONS: list[tuple[str, str]] = []
