"""Pure: the SCIM filter subset Entra sends, parsed and translated into a JumpCloud search.

Accepted: `<attribute> eq <value>` terms joined by `and`, on any attribute we keep
(`userName`, `externalId`, `emails[type eq "work"].value`, `displayName`, `id`, ...);
values quoted (JSON string escapes) or, as Entra's docs show for externalId, bare.
Anything else (other operators, `or`, `not`, parentheses) is `invalidFilter`: answering
it approximately would let Entra match the wrong user.

Case: attributes that are not caseExact (userName, emails, ...) match case-insensitively
through an anchored `$regex` with `(?i)`, the value escaped so it matches literally;
caseExact ones (externalId, manager) match exactly as plain values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs

from scim_proxy.errors import InvalidFilter, InvalidPath
from scim_proxy.ids import local_part, object_id
from scim_proxy.jsontext import is_text
from scim_proxy.scim.models import ScimUser
from scim_proxy.scim.paths import canonical, resolve, split_value_path
from scim_proxy.scim.schema import UserAttribute

MAX_FILTER_LENGTH = 4096


@attrs.frozen
class Term:
    """`attribute eq value`; attribute None means the resource `id`."""

    attribute: UserAttribute | None
    value: str


def parse_filter(text: str) -> tuple[Term, ...]:
    """The `eq` terms of an `and`-joined filter; InvalidFilter for anything else."""
    return tuple(_term(path, value, quoted) for path, value, quoted in eq_pairs(text))


def eq_pairs(text: str) -> Iterator[tuple[str, str, bool]]:
    """(attribute path, value, was_quoted) for each `eq` term of an `and`-joined filter.

    Shared by the User and Group filters, each resolving paths against its own attributes.
    A generator, so a caller that checks each term sees errors in the order they occur.
    """
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilter(f"The filter is longer than {MAX_FILTER_LENGTH} characters")
    tokens = _tokens(text)
    position = 0
    while True:
        if len(tokens) < position + 3:
            raise InvalidFilter(f"Incomplete filter: expected '<attribute> eq <value>' in {text!r}")
        path, op, (value, quoted) = tokens[position][0], tokens[position + 1][0], tokens[position + 2]
        if op.lower() != "eq":
            raise InvalidFilter(f"Operator '{op}' is not supported; only 'eq' (joined by 'and') is")
        yield path, value, quoted
        position += 3
        if position == len(tokens):
            return
        connective = tokens[position][0]
        if connective.lower() != "and":
            raise InvalidFilter(f"'{connective}' is not supported; only 'and' joins terms")
        position += 1


def _term(path: str, value: str, quoted: bool) -> Term:
    if path.lower() == "id":
        return Term(None, object_id(value) or value)  # ids are canonical lower-case (ids.py)
    try:
        attribute = resolve(path)
    except InvalidPath as exc:
        raise InvalidFilter(str(exc)) from exc
    if attribute is None:
        raise InvalidFilter(f"Filtering on '{path}' is not supported: it is not an attribute JumpCloud keeps")
    inner = split_value_path(canonical(path))
    if inner is not None and inner.field not in ("type", "primary"):
        # `emails[value eq "x"].value eq "y"` has two conditions; reading only the outer one would match y alone.
        raise InvalidFilter(f"'{path}': inside brackets only type or primary can narrow a filter")
    if attribute.kind == "boolean":
        raise InvalidFilter(f"Filtering on '{path}' is not supported: JumpCloud derives it")
    if not quoted and value.lower() == "null":
        raise InvalidFilter("'eq null' is not supported; use a value")
    return Term(attribute, value)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Split into (token, was_quoted); brackets in attribute paths stay in one token."""
    tokens: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char == '"':
            end = _closing_quote(text, i)
            try:
                value = json.loads(text[i : end + 1])
            except ValueError as exc:
                raise InvalidFilter(f"Bad escape in the quoted value at position {i}") from exc
            if not is_text(value):
                raise InvalidFilter(f"The quoted value at position {i} holds a lone surrogate: not a Unicode character")
            tokens.append((value, True))
            i = end + 1
        elif char in "()":
            raise InvalidFilter("Parentheses are not supported; only 'eq' terms joined by 'and'")
        else:
            start = i
            while i < n and not text[i].isspace():
                if text[i] == "[":
                    close = text.find("]", i)
                    if close < 0:
                        raise InvalidFilter("Unclosed '[' in the filter")
                    i = close
                elif text[i] == '"':
                    raise InvalidFilter(f"Unexpected quote at position {i}")
                i += 1
            tokens.append((text[start:i], False))
    return tokens


def _closing_quote(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    raise InvalidFilter("Unterminated quoted value in the filter")


def requested_id(terms: tuple[Term, ...]) -> str | None:
    """The id an `id eq` term asks for ("" when that id cannot exist), else None."""
    ids = {t.value for t in terms if t.attribute is None}
    if not ids:
        return None
    if len(ids) > 1:
        return ""
    (wanted,) = ids
    return object_id(wanted) or ""


def to_search_filter(terms: tuple[Term, ...], *, username_from_email: bool = False) -> list[dict[str, Any]]:
    """JumpCloud search-body filter objects (implicit AND) for the non-id terms."""
    query: list[dict[str, Any]] = []
    for term in terms:
        if term.attribute is None or term.attribute.jc_field is None:
            continue
        value = term.value
        if username_from_email and term.attribute.field == "user_name":
            value = local_part(value)
        if term.attribute.case_exact:
            query.append({term.attribute.jc_field: value})
        else:
            query.append({term.attribute.jc_field: {"$regex": f"(?i)(^{escape_regex(value)}$)"}})
    return query


def escape_regex(value: str) -> str:
    """Backslash every ASCII punctuation character, so the pattern matches `value` literally.

    Letters, digits, `_` and non-ASCII characters stay as they are: a backslash before a
    letter or digit means a class or a back-reference in PCRE, and before non-ASCII it is
    engine-dependent. Whitespace is escaped too (it is literal in PCRE either way).
    """
    return "".join(f"\\{c}" if c.isascii() and not (c.isalnum() or c == "_") else c for c in value)


def matches(user: ScimUser, terms: tuple[Term, ...], *, username_from_email: bool = False) -> bool:
    """Whether `user` satisfies every term, with the same case rules as the search."""
    for term in terms:
        if term.attribute is None:
            actual: Any = user.id
            expected = term.value
        else:
            actual = getattr(user, term.attribute.field)
            expected = term.value
            if username_from_email and term.attribute.field == "user_name":
                expected = local_part(expected)
                actual = local_part(actual or "")
        if not isinstance(actual, str):
            return False
        if term.attribute is not None and not term.attribute.case_exact:
            if actual.casefold() != expected.casefold():
                return False
        elif actual != expected:
            return False
    return True
