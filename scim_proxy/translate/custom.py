"""Pure: admin-defined attribute mappings (a TOML text) turned into rows of the attribute table.

```toml
[[attribute]]
scim = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:badgeNumber"
jumpcloud = "attributes.badgeNumber"   # a JumpCloud custom attribute

[[attribute]]
scim = "nickName"
jumpcloud = "description"              # a plain JumpCloud field the built-in table leaves free
```

Rules, each refused with the line of its `[[attribute]]` table:
- `scim` is a core attribute name (`nickName`), or `<extension URN>:<name>` (the URN of a
  User extension, `urn:ietf:params:scim:schemas:extension:<Name>:2.0:User`, as Entra's
  target-schema editor writes it); it must not be an attribute the table already maps;
- `jumpcloud` is `attributes.<name>` (a custom attribute: letters and digits, under 32
  characters, JumpCloud's rule) or one of `FREE_STRING_FIELDS`, a top-level string of
  `systemuserputpost` that the built-in table does not use and that carries plain data;
- two rows may not share a SCIM path or a JumpCloud target.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from typing import Any

import attrs

from scim_proxy.scim.schema import CORE_USER, UserAttribute, UserSchema
from scim_proxy.translate.removal import REMOVED_MARKER

MAX_ROWS = 200
# Top-level string fields of systemuserputpost (tests/spec checks the list against the spec) that
# the built-in table leaves free and that hold plain data. Left out on purpose: `password` (never
# sent), `state` (the proxy's), `public_key` (an SSH key planted from an IdP attribute would grant
# shell access), `external_password_expiration_date` and `external_source_type` (JumpCloud semantics).
FREE_STRING_FIELDS = ("alternateEmail", "description", "managedAppleId")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_EXTENSION_PREFIX = "urn:ietf:params:scim:schemas:extension:"


class MappingError(ValueError):
    """A mapping file the proxy cannot use; the message names the line."""


def parse_mapping(text: str, base: UserSchema) -> tuple[UserAttribute, ...]:
    """The rows a mapping file adds to `base`; MappingError naming the line for anything wrong."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"not valid TOML: {exc}") from exc
    unknown = sorted(set(document) - {"attribute"})
    if unknown:
        raise MappingError(
            f"line {_line_of_key(text, unknown[0])}: unknown table or key {unknown[0]!r}; use [[attribute]]"
        )
    entries = document.get("attribute", [])
    if not isinstance(entries, list):
        raise MappingError("'attribute' must be an array of tables: write [[attribute]]")
    if len(entries) > MAX_ROWS:
        raise MappingError(f"at most {MAX_ROWS} [[attribute]] tables are allowed")
    lines = _table_lines(text)
    rows: list[UserAttribute] = []
    schema = base
    for index, entry in enumerate(entries):
        where = f"line {lines[index] if index < len(lines) else '?'} ([[attribute]] #{index + 1})"
        row = _row(entry, where, schema)
        try:
            schema = schema.extended([row])
        except ValueError as exc:
            raise MappingError(f"{where}: {exc}") from None
        rows.append(row)
    return tuple(rows)


def _row(entry: Any, where: str, schema: UserSchema) -> UserAttribute:
    if not isinstance(entry, dict):
        raise MappingError(f"{where}: each [[attribute]] is a table with 'scim' and 'jumpcloud'")
    extra = sorted(set(entry) - {"scim", "jumpcloud", "description"})
    if extra:
        raise MappingError(f"{where}: unknown key {extra[0]!r}; an [[attribute]] has scim, jumpcloud, description")
    scim, jumpcloud = entry.get("scim"), entry.get("jumpcloud")
    if not isinstance(scim, str) or not isinstance(jumpcloud, str):
        raise MappingError(f"{where}: 'scim' and 'jumpcloud' are both required strings")
    path = _scim_path(scim.strip(), where, schema)
    target = _jumpcloud_target(jumpcloud.strip(), where, schema)
    description = entry.get("description", f"Mapped by the operator to JumpCloud's {target}.")
    if not isinstance(description, str):
        raise MappingError(f"{where}: 'description' must be a string")
    field = "custom:" + path  # unique because paths are; never collides with a built-in field name
    return UserAttribute(path=path, field=field, jc_field=target, description=description)


def _scim_path(path: str, where: str, schema: UserSchema) -> str:
    if path.lower() in schema.by_path:
        raise MappingError(f"{where}: {path!r} is already mapped by the proxy's table")
    if path.startswith("urn:"):
        urn, _, name = path.rpartition(":")
        if not urn.lower().startswith(_EXTENSION_PREFIX) or urn.lower() == CORE_USER.lower() or not _is_name(name):
            raise MappingError(
                f"{where}: {path!r} is not '<extension schema URN>:<attribute>', e.g. "
                "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:badgeNumber"
            )
        return path
    if not _is_name(path):
        raise MappingError(f"{where}: {path!r} is not a SCIM attribute name (letters and digits) or an extension path")
    return path


def _jumpcloud_target(target: str, where: str, schema: UserSchema) -> str:
    taken = {a.jc_field for a in schema.attributes if a.jc_field}
    if target.startswith("attributes."):
        name = target.removeprefix("attributes.")
        if not _custom_name(name):
            raise MappingError(
                f"{where}: custom attribute {name!r}: JumpCloud allows letters and digits only, under 32 characters"
                f" ({REMOVED_MARKER} is the proxy's own)"
            )
    elif target not in FREE_STRING_FIELDS:
        raise MappingError(
            f"{where}: {target!r} is not a JumpCloud target the proxy can write: use attributes.<name> or one of "
            f"{', '.join(FREE_STRING_FIELDS)}"
        )
    if target in taken:
        raise MappingError(f"{where}: JumpCloud's {target} already holds another attribute")
    return target


def with_external_id_field(schema: UserSchema, target: str) -> UserSchema:
    """`schema` with externalId kept in `target`: `external_dn` (the default) or `attributes.<name>`,
    for organisations whose AD import already writes external_dn."""
    if target == "external_dn":
        return schema
    name = target.removeprefix("attributes.")
    if not target.startswith("attributes.") or not _custom_name(name):
        raise MappingError(
            f"SCIM_PROXY_EXTERNAL_ID_FIELD {target!r}: use external_dn or attributes.<name> "
            "(letters and digits, under 32 characters)"
        )
    rows = [attrs.evolve(row, jc_field=target) if row.field == "external_id" else row for row in schema.attributes]
    return UserSchema(rows)


def _custom_name(name: str) -> bool:
    return _is_name(name) and len(name) < 32 and name != REMOVED_MARKER


def _is_name(text: str) -> bool:
    return bool(text) and text[0].isalpha() and _NAME_CHARS.issuperset(text)


def _table_lines(text: str) -> list[int]:
    """The 1-based line of each `[[attribute]]` header, in order."""
    return [number for number, line in enumerate(text.splitlines(), 1) if line.strip().startswith("[[attribute]]")]


def _line_of_key(text: str, key: str) -> int | str:
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip().lstrip("[").strip()
        if stripped.startswith(key):
            return number
    return "?"


def mapped_rows(rows: Iterable[UserAttribute]) -> list[str]:
    """`scim -> jumpcloud` lines for the start-up log and `scim-proxy check`."""
    return [f"{row.path} -> {row.jc_field}" for row in rows]
