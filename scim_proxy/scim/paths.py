"""Pure: SCIM attribute paths, in every spelling Entra uses, resolved against our table.

- names match case-insensitively (RFC 7643 section 2.1: Entra sends `UserName`, `Department`);
- URN-qualified paths split at the last ':' of the schema URN (`<urn>:department`);
- dotted and URN keys of a no-path PATCH value, and nested objects, flatten to leaf paths;
- `emails[type eq "work"].value` and other value filters resolve to the one email we keep;
- a complex path (`name`, an extension URN) resolves to the attributes we keep under it.

No regular expressions: a path arrives from the internet, and the value filter inside
brackets (`attr[sub op "value"].sub`) is read by one left-to-right scan
(`split_value_path`), after a length check, so the work is linear in the path's length.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from scim_proxy.errors import InvalidPath
from scim_proxy.scim.schema import CORE_USER, DEFAULT_USER_SCHEMA, ENTERPRISE_USER, UserAttribute, UserSchema

_CORE_PREFIX = CORE_USER.lower() + ":"
_ENTERPRISE = ENTERPRISE_USER.lower()
MAX_PATH_LENGTH = 256  # the longest real path (URN + attribute + value filter) is under 100
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_ATTR_CHARS = _NAME_CHARS | frozenset(".:-")
# Email types that mean "the address JumpCloud keeps"; another type names an address we do not hold.
_KEPT_EMAIL_TYPES = {"work", ""}


def canonical(path: str) -> str:
    """Lower-case `path` and strip the core schema URN, which is implicit."""
    lowered = path.strip().lower()
    return lowered.removeprefix(_CORE_PREFIX)


def resolve(path: str, schema: UserSchema = DEFAULT_USER_SCHEMA) -> UserAttribute | None:
    """The attribute a PATCH or filter path names, or None if we do not keep it.

    Raises InvalidPath for text that is not a SCIM path at all, or is longer than MAX_PATH_LENGTH.
    """
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidPath(f"'{path[:64]}...' is longer than {MAX_PATH_LENGTH} characters: not a SCIM attribute path")
    key = canonical(path)
    if not key or ("[" not in key and any(c in key for c in " \t\n\"'")):
        raise InvalidPath(f"'{path}' is not a SCIM attribute path")
    by_path = schema.by_path
    filtered = split_value_path(key)
    if filtered is not None:
        return _resolve_filtered(path, filtered, by_path)
    if key in by_path:
        return by_path[key]
    if key in {"emails.value", "emails"}:
        return by_path.get("emails")
    if key in {f"{_ENTERPRISE}:manager.value", "manager", "manager.value"}:
        return by_path.get(f"{_ENTERPRISE}:manager")
    if not key.startswith("urn:") and f"{_ENTERPRISE}:{key}" in by_path:
        return by_path[f"{_ENTERPRISE}:{key}"]  # Entra's legacy bare `department`, `employeeNumber`
    return None


def resolve_complex(path: str, schema: UserSchema = DEFAULT_USER_SCHEMA) -> tuple[UserAttribute, ...]:
    """The attributes under a complex path we keep only the parts of: `name`, or an extension URN.

    Empty when `path` names nothing we hold (or a leaf: use resolve() for those).
    """
    key = canonical(path)
    for urn in schema.extensions:
        if key == urn.lower():
            return schema.in_schema(urn)
    filtered = split_value_path(key) if "[" in key else None
    if filtered is not None:  # phoneNumbers[type eq "work"]: the rows of that entry
        if filtered.field != "type" or filtered.op != "eq" or filtered.sub is not None:
            return ()
        key = typed_key(filtered.attribute, filtered.value)
    return tuple(a for a in schema.attributes if a.path.lower().startswith((key + ".", key + "[")))


@attrs.frozen
class ValuePath:
    """`attribute[field op value].sub`: a multi-valued attribute narrowed by one comparison."""

    attribute: str
    field: str
    op: str
    value: str
    quoted: bool
    sub: str | None


def split_value_path(path: str) -> ValuePath | None:
    """The parts of a value-filtered path, None for a path without '['; InvalidPath if malformed.

    One scan, left to right; the value is a JSON string (escapes allowed) or one bare word
    (`true`, `work`). Only one comparison fits between the brackets: `and`, `or`, `not` and
    nested brackets are refused, never half-read.
    """
    open_at = path.find("[")
    if open_at < 0:
        return None
    attribute = path[:open_at]
    if not attribute or not _ATTR_CHARS.issuperset(attribute):
        raise InvalidPath(f"'{path}': the attribute before '[' is not a name")
    scan = _Scan(path, open_at + 1)
    field = scan.word()
    op = scan.word()
    value, quoted = scan.value()
    scan.skip_spaces()
    if scan.peek() != "]" or not field or not op or not _ATTR_CHARS.issuperset(field):
        raise InvalidPath(
            f"'{path}': one comparison fits in brackets; [type eq \"...\"] or [primary eq true] filters are supported"
        )
    rest = path[scan.at + 1 :]
    sub: str | None = None
    if rest:
        sub = rest[1:]
        if rest[0] != "." or not sub or not _NAME_CHARS.issuperset(sub):
            raise InvalidPath(f"'{path}': after ']' only '.subAttribute' may follow")
    return ValuePath(attribute, field.lower(), op.lower(), value, quoted, sub)


class _Scan:
    """A cursor over `text`; every method moves forward, so a whole scan is linear."""

    def __init__(self, text: str, at: int) -> None:
        self.text, self.at = text, at

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip_spaces(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def word(self) -> str:
        self.skip_spaces()
        start = self.at
        while self.at < len(self.text) and not self.text[self.at].isspace() and self.text[self.at] not in '[]"':
            self.at += 1
        return self.text[start : self.at]

    def value(self) -> tuple[str, bool]:
        self.skip_spaces()
        if self.peek() != '"':
            return self.word(), False
        start = self.at
        self.at += 1
        while self.at < len(self.text) and self.text[self.at] != '"':
            self.at += 2 if self.text[self.at] == "\\" else 1
        if self.at >= len(self.text):
            raise InvalidPath(f"'{self.text}': unterminated quoted value")
        self.at += 1
        try:
            decoded = json.loads(self.text[start : self.at])
        except ValueError as exc:
            raise InvalidPath(f"'{self.text}': bad escape in the quoted value") from exc
        return str(decoded), True


def _resolve_filtered(path: str, filtered: ValuePath, by_path: Mapping[str, UserAttribute]) -> UserAttribute | None:
    if filtered.attribute != "emails":
        # phoneNumbers[type eq "work"].value, addresses[type eq "home"].locality: a row of its own
        if filtered.field == "type" and filtered.op == "eq" and filtered.sub is not None:
            return by_path.get(typed_key(filtered.attribute, filtered.value, filtered.sub))
        return None
    if filtered.op != "eq":
        raise InvalidPath(f"'{path}': only [type eq \"...\"] or [primary eq true] filters are supported")
    field, value = filtered.field, filtered.value.lower()
    if filtered.sub not in (None, "value"):
        return None  # emails[...].primary, .type, .display: nothing to store
    if (field == "type" and value in _KEPT_EMAIL_TYPES) or (field == "primary" and value == "true"):
        return by_path.get("emails")
    if field == "value":
        return by_path.get("emails")
    return None


def typed_key(attribute: str, entry_type: str, sub: str | None = None) -> str:
    """The table's (lower-case) path for `attribute[type eq "entry_type"].sub`, or the entry's prefix."""
    key = f'{attribute}[type eq "{entry_type}"]'.lower()
    return f"{key}.{sub.lower()}" if sub else key


def typed_entries(path: str, value: Any, schema: UserSchema) -> tuple[list[tuple[str, Any]], list[str]] | None:
    """A multi-valued attribute the table keeps by type (`phoneNumbers`, `addresses`) as leaf paths.

    `[{"type": "work", "value": "1"}]` under `phoneNumbers` gives `phoneNumbers[type eq "work"].value`;
    entries of a type no row keeps, or without a type, are listed as ignored. None when `path`
    is not such an attribute.
    """
    top = canonical(path)
    kept = schema.entry_types.get(top)
    if kept is None:
        return None
    entries = value if isinstance(value, list) else [value]
    leaves: list[tuple[str, Any]] = []
    ignored: list[str] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            ignored.append(path)
            continue
        folded = {str(k).lower(): v for k, v in entry.items()}
        entry_type = folded.get("type")
        if not isinstance(entry_type, str) or entry_type.lower() not in kept:
            ignored.append(f'{path}[type eq "{entry_type}"]' if isinstance(entry_type, str) else f"{path}[no type]")
            continue
        prefix = typed_key(top, entry_type)
        for sub, item in folded.items():
            if sub not in ("type", "primary", "display"):
                leaves.append((f"{prefix}.{sub}", item))
    return leaves, ignored


def flatten(
    value: Mapping[str, Any], prefix: str = "", schema: UserSchema = DEFAULT_USER_SCHEMA
) -> Iterator[tuple[str, Any, UserAttribute | None]]:
    """Leaf (path, value, attribute) triples of a resource or a no-path PATCH value, dotted keys
    expanded; `attribute` is the row the path names (None: not one we keep), resolved once here."""
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        path = _join(prefix, key, schema)
        if len(path) > MAX_PATH_LENGTH:
            yield path, item, None  # no attribute is named like this: a leaf to ignore, not a tree to walk
            continue
        attribute = resolve_quietly(path, schema)
        if attribute is not None or not isinstance(item, Mapping):
            yield path, item, attribute
        else:
            yield from flatten(item, path, schema)


def resolve_quietly(path: str, schema: UserSchema = DEFAULT_USER_SCHEMA) -> UserAttribute | None:
    """Like resolve(), but a malformed path is simply not ours."""
    try:
        return resolve(path, schema)
    except InvalidPath:
        return None


def _join(prefix: str, key: str, schema: UserSchema) -> str:
    """A nested key under `prefix`: after a schema URN with ':', after an attribute with '.'."""
    if not prefix:
        return key
    lowered = prefix.lower()
    if lowered == CORE_USER.lower() or any(lowered == urn.lower() for urn in schema.extensions):
        return f"{prefix}:{key}"
    return f"{prefix}.{key}"
