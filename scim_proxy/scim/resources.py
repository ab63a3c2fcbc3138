"""Pure: a SCIM User body (POST, PUT) or a single value, turned into typed changes.

Rules (Entra's dialect and RFC 7643 both):
- `"True"`, `"False"`, `"true"`, `"false"` and JSON booleans are booleans;
- `null` means "not provided" in a resource: Entra cannot send nulls on purpose;
- manager arrives as `"id"`, `{"value": "id"}` or `[{"value": "id", "$ref": ...}]`;
- emails keep one address: the primary one, else the work one, else the first;
- unknown attributes, `meta`, `roles`, `schemas` are ignored, never an error;
- `password` anywhere is dropped: JumpCloud users land "Password Pending".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scim_proxy.errors import InvalidSyntax, InvalidValue
from scim_proxy.scim.models import Change, Parsed, Value
from scim_proxy.scim.paths import flatten, resolve_quietly, typed_entries
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA, UserAttribute, UserSchema

_TRUE = {"true"}
_FALSE = {"false"}
_IGNORED_SILENTLY = {"schemas", "id", "password"}


def parse_user(body: Any, schema: UserSchema = DEFAULT_USER_SCHEMA) -> Parsed:
    """The changes a full User resource asks for, in the order they appear."""
    if not isinstance(body, Mapping):
        raise InvalidSyntax("The request body must be a JSON object (a SCIM User resource)")
    changes: list[Change] = []
    ignored: list[str] = []
    for path, raw, attribute in flatten(body, schema=schema):
        if attribute is None:
            expanded = typed_entries(path, raw, schema)
            if expanded is not None:  # phoneNumbers, addresses: one change per typed entry's value
                changes.extend(_typed_changes(*expanded, schema=schema, ignored=ignored))
            elif path.lower() not in _IGNORED_SILENTLY and not path.lower().startswith("meta"):
                ignored.append(path)
            continue
        if raw is None:
            continue
        changes.append(Change(attribute.field, coerce(attribute, raw, path=path)))
    return Parsed(changes=tuple(changes), ignored=tuple(ignored))


def _typed_changes(
    leaves: list[tuple[str, Any]], skipped: list[str], *, schema: UserSchema, ignored: list[str]
) -> list[Change]:
    ignored.extend(skipped)
    changes: list[Change] = []
    for leaf, raw in leaves:
        attribute = resolve_quietly(leaf, schema)
        if attribute is None:
            ignored.append(leaf)  # a sub-attribute no row keeps (addresses[...].formatted)
        elif raw is not None:
            changes.append(Change(attribute.field, coerce(attribute, raw, path=leaf)))
    return changes


def coerce(attribute: UserAttribute, raw: Any, *, path: str) -> Value:
    """`raw` as the type `attribute` holds; InvalidValue names the attribute when it cannot be."""
    if attribute.kind == "boolean":
        return _boolean(raw, path)
    if attribute.kind == "reference":
        return _reference(raw, path)
    if attribute.kind == "email" and not isinstance(raw, str):
        return _email(raw, path)
    return _string(raw, path)


def _boolean(raw: Any, path: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise InvalidValue(f"{path} must be a boolean (true or false), got {_kind(raw)}")


def _string(raw: Any, path: str) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)  # some clients send employeeNumber as a number
    raise InvalidValue(f"{path} must be a string, got {_kind(raw)}")


def _reference(raw: Any, path: str) -> str | None:
    if isinstance(raw, Sequence) and not isinstance(raw, str):
        if len(raw) == 0:
            return None
        if len(raw) > 1:
            raise InvalidValue(f"{path} takes one manager, got {len(raw)}")
        raw = raw[0]
    if isinstance(raw, Mapping):
        folded = {str(k).lower(): v for k, v in raw.items()}
        ref = folded.get("$ref")
        raw = folded.get("value")
        if raw is None and isinstance(ref, str) and ref.strip():
            raw = ref.rstrip("/").rsplit("/", 1)[-1]  # ".../Users/<id>": the id is the last segment
        if raw is None:
            return None
    if isinstance(raw, str):
        return raw.strip() or None
    raise InvalidValue(f'{path} must be a user id, {{"value": id}} or a list of one, got {_kind(raw)}')


def _email(raw: Any, path: str) -> str | None:
    """The address to keep from an `emails` array (or one email object)."""
    entries = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise InvalidValue(f"{path} must be a list of email objects, got {_kind(raw)}")
    candidates: list[tuple[bool, bool, int, str]] = []
    for index, entry in enumerate(entries):
        if entry is None:
            continue
        if not isinstance(entry, Mapping):
            raise InvalidValue(f"{path}[{index}] must be an email object, got {_kind(entry)}")
        folded = {str(k).lower(): v for k, v in entry.items()}
        value = folded.get("value")
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidValue(f"{path}[{index}].value must be a string, got {_kind(value)}")
        primary = folded.get("primary")
        is_primary = primary is True or (isinstance(primary, str) and primary.lower() == "true")
        is_work = str(folded.get("type") or "").lower() == "work"
        candidates.append((not is_primary, not is_work, index, value))
    return min(candidates)[3] if candidates else None


def _kind(raw: Any) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean", str: "a string"}.get(
        type(raw), "a number" if isinstance(raw, int | float) else type(raw).__name__
    )
