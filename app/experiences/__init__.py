"""Structured facts on experiences and what members report in each tag (docs/design.md, 3)."""
