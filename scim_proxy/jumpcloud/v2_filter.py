"""Pure: what a v2 list `filter` value can carry (register JC-82), shared by the client and the translation.

The spec types `filter` as an array without a `collectionFormat`, which Swagger 2 reads as
comma-separated, and says values "support wild cards": a value holding ',' or '*' would be
split or globbed, so it would mean something other than itself.
"""

from __future__ import annotations


def v2_literal(value: str) -> bool:
    """Whether `value` reaches JumpCloud as itself in a v2 `filter=<field>:eq:<value>`."""
    return "," not in value and "*" not in value
