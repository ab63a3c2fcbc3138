"""Pure: SCIM values as JumpCloud `$regex` patterns that match them literally (the search is PCRE)."""

from __future__ import annotations


def regex_equal(value: str, *, case_exact: bool = False) -> dict[str, str]:
    """The `$regex` condition matching exactly `value` (ignoring case unless `case_exact`), escaped."""
    return {"$regex": f"{'' if case_exact else '(?i)'}(^{escape_regex(value)}$)"}


def escape_regex(value: str) -> str:
    """Backslash every ASCII punctuation character, so the pattern matches `value` literally.

    Letters, digits, `_` and non-ASCII characters stay as they are: a backslash before a
    letter or digit means a class or a back-reference in PCRE, and before non-ASCII it is
    engine-dependent. Whitespace is escaped too (it is literal in PCRE either way). An
    unescaped value would be a pattern: `first.last` would also find `firstXlast`.
    """
    return "".join(f"\\{c}" if c.isascii() and not (c.isalnum() or c == "_") else c for c in value)
