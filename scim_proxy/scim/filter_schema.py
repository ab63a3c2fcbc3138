"""Pure: which attributes a filter (or sortBy) may name, where each lives in a resource, and how it compares.

A `FilterAttributes` is built from the attribute table in force (`user_filter_attributes`
reads the `UserSchema`'s rows, so an attribute an admin adds is filterable at once) and is
passed to the evaluator and the translators; nothing here reads a module-level table.

Resolution rules (RFC 7644 section 3.4.2.2, RFC 7643 section 2.1):
- names are case-insensitive; the core schema URN is implicit, an extension's is not, but a
  bare extension attribute (Entra's legacy `department`) resolves to it;
- a multi-valued or complex attribute with a `value` sub-attribute stands for it
  (`emails eq "x"` is `emails.value eq "x"`; `members eq "<id>"` likewise);
- anything else unknown is invalidFilter, naming the attribute, because JumpCloud keeps no
  such value and any answer would be a guess.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import attrs

from scim_proxy.errors import InvalidFilter
from scim_proxy.scim.filter_syntax import And, AttrPath, Compare, Filter, Not, Or, Present, ValuePath
from scim_proxy.scim.schema import CORE_GROUP, CORE_USER, UserAttribute, UserSchema

TYPES = ("string", "boolean", "dateTime", "reference", "integer", "decimal", "complex")


@attrs.frozen(kw_only=True)
class AttributeInfo:
    """One attribute a filter can name: its canonical path, where its values are, how they compare."""

    path: str  # canonical spelling: "name.familyName", "emails.value", "<extension urn>:department"
    top: str  # the key of the top-level attribute in the resource (or in its extension object)
    sub: str | None = None  # the sub-attribute key, for "name.familyName" and "emails.value"
    extension: str | None = None  # the extension URN whose object holds the attribute
    type: str = attrs.field(default="string", validator=attrs.validators.in_(TYPES))
    case_exact: bool = False
    multi_valued: bool = False  # the top-level attribute holds a list (emails, members)
    known: bool = True  # False: an attribute this resource type lacks, read as unassigned (root search)

    @property
    def key(self) -> str:
        return self.path.lower()


def _lacking(path: AttrPath | str, *, complex_: bool = False) -> AttributeInfo:
    """An attribute the resource type does not have: no resource holds a value for it."""
    return AttributeInfo(path=str(path), top="", type="complex" if complex_ else "string", known=False)


@attrs.frozen
class FilterAttributes:
    """The attributes of one resource type, by case-folded path."""

    core_schema: str
    by_key: Mapping[str, AttributeInfo]
    extensions: tuple[str, ...] = ()
    lenient: bool = False  # unknown attributes read as unassigned instead of invalidFilter (root search)

    def resolve(self, path: AttrPath, *, complex_ok: bool = False) -> AttributeInfo:
        """The attribute `path` names; a complex one stands for its `value` unless `complex_ok` (for `pr`)."""
        info = self.find(path)
        if info is None and self.lenient:
            return _lacking(path, complex_=complex_ok)
        if info is None:
            raise InvalidFilter(f"'{path}' is not an attribute JumpCloud keeps, so it cannot be filtered or sorted on")
        if info.type != "complex" or complex_ok:
            return info
        value = self.by_key.get(f"{info.key}.value")
        if value is None:
            raise InvalidFilter(f"'{path}' is complex: name one of its sub-attributes, like '{path}.x'")
        return value

    def resolve_parent(self, path: AttrPath) -> AttributeInfo:
        """The complex attribute before a value filter `path[...]`."""
        info = self.resolve(path, complex_ok=True)
        if info.type != "complex":
            raise InvalidFilter(f"'{path}[...]': only complex attributes take a value filter")
        return info

    def resolve_leaf(self, node: Compare | Present, parent: AttributeInfo | None = None) -> AttributeInfo:
        """The attribute a comparison or `pr` tests: a sub-attribute of `parent` inside `parent[...]`,
        else its path (a complex attribute stands for its `value` except under `pr`). The evaluator
        and the JumpCloud translations read a filter's leaves by this one rule."""
        if parent is not None:
            return self.resolve_within(parent, node.path)
        return self.resolve(node.path, complex_ok=isinstance(node, Present))

    def resolve_within(self, parent: AttributeInfo, path: AttrPath) -> AttributeInfo:
        """The sub-attribute `path` names inside `parent[...]`."""
        info = self.by_key.get(f"{parent.key}.{path.key}")
        if info is None and (self.lenient or not parent.known):
            return _lacking(f"{parent.path}.{path}")
        if info is None:
            raise InvalidFilter(f"'{parent.path}.{path}' is not an attribute JumpCloud keeps; it cannot be filtered on")
        return info

    def find(self, path: AttrPath) -> AttributeInfo | None:
        """The attribute `path` names as written (a complex one as itself), or None."""
        key = path.key.removeprefix(self.core_schema.lower() + ":")
        found = self.by_key.get(key)
        if found is None and path.uri is None:
            for extension in self.extensions:
                found = found or self.by_key.get(f"{extension.lower()}:{key}")
        return found


def user_filter_attributes(schema: UserSchema) -> FilterAttributes:
    """The User's filterable attributes, where translate/render.py puts them, for the table in force.

    `id` compares case-insensitively: it is a hexadecimal ObjectId, whose case carries no
    meaning (ids.py), and Entra may send it in either case.
    """
    infos = [
        AttributeInfo(path="id", top="id", case_exact=False),
        AttributeInfo(path="meta", top="meta", type="complex"),
        AttributeInfo(path="meta.created", top="meta", sub="created", type="dateTime"),
        AttributeInfo(path="meta.lastModified", top="meta", sub="lastModified", type="dateTime"),
    ]
    for row in schema.attributes:
        infos.extend(_user_infos(row))
    return FilterAttributes(CORE_USER, _index(infos), schema.extensions)


def _user_infos(row: UserAttribute) -> list[AttributeInfo]:
    extension = None if row.schema == CORE_USER else row.schema
    name = row.name
    if row.kind == "email":  # one JumpCloud address, rendered as one work, primary email
        return [
            AttributeInfo(path=row.path, top=name, extension=extension, type="complex", multi_valued=True),
            AttributeInfo(path=f"{row.path}.value", top=name, sub="value", extension=extension, multi_valued=True),
            AttributeInfo(path=f"{row.path}.type", top=name, sub="type", extension=extension, multi_valued=True),
            AttributeInfo(
                path=f"{row.path}.primary",
                top=name,
                sub="primary",
                extension=extension,
                type="boolean",
                multi_valued=True,
            ),
        ]
    if row.kind == "reference":  # rendered as {"value": id, "$ref": uri}
        return [
            AttributeInfo(path=row.path, top=name, extension=extension, type="complex"),
            AttributeInfo(path=f"{row.path}.value", top=name, sub="value", extension=extension, case_exact=True),
            AttributeInfo(
                path=f"{row.path}.$ref", top=name, sub="$ref", extension=extension, type="reference", case_exact=True
            ),
        ]
    kind = "boolean" if row.kind == "boolean" else "string"
    if row.place is not None:  # phoneNumbers[type eq "work"].value: a list of typed entries
        top, sub = row.place.top, row.place.sub
        return [
            AttributeInfo(path=top, top=top, type="complex", multi_valued=True),
            AttributeInfo(path=f"{top}.{sub}", top=top, sub=sub, multi_valued=True, case_exact=row.case_exact),
            AttributeInfo(path=f"{top}.type", top=top, sub="type", multi_valued=True),
        ]
    if "." in name:
        top, _, sub = name.partition(".")
        parent = row.path.rpartition(".")[0]
        return [
            AttributeInfo(path=parent, top=top, extension=extension, type="complex"),
            AttributeInfo(path=row.path, top=top, sub=sub, extension=extension, type=kind, case_exact=row.case_exact),
        ]
    return [AttributeInfo(path=row.path, top=name, extension=extension, type=kind, case_exact=row.case_exact)]


@functools.cache  # the Group table is fixed: built once, not on every /Groups request
def group_filter_attributes() -> FilterAttributes:
    """The Group's filterable attributes, as translate/groups.py renders them."""
    infos = [
        AttributeInfo(path="id", top="id", case_exact=False),
        AttributeInfo(path="displayName", top="displayName"),
        AttributeInfo(path="externalId", top="externalId", case_exact=True),
        AttributeInfo(path="members", top="members", type="complex", multi_valued=True),
        AttributeInfo(path="members.value", top="members", sub="value", case_exact=False, multi_valued=True),
        AttributeInfo(path="members.type", top="members", sub="type", multi_valued=True),
        AttributeInfo(
            path="members.$ref", top="members", sub="$ref", type="reference", case_exact=True, multi_valued=True
        ),
        AttributeInfo(path="meta", top="meta", type="complex"),
        AttributeInfo(path="meta.created", top="meta", sub="created", type="dateTime"),
        AttributeInfo(path="meta.lastModified", top="meta", sub="lastModified", type="dateTime"),
    ]
    return FilterAttributes(CORE_GROUP, _index(infos))


def _index(infos: Iterable[AttributeInfo]) -> dict[str, AttributeInfo]:
    index: dict[str, AttributeInfo] = {}
    for info in infos:
        index.setdefault(info.key, info)  # `name` once, however many of its parts the table has
    return index


def unknown_paths(node: Filter, attributes: FilterAttributes, parent: AttributeInfo | None = None) -> set[str]:
    """The (case-folded) paths in `node` that `attributes` does not know: the root search refuses a
    filter only for a path no resource type knows."""
    if isinstance(node, And | Or):
        return set().union(*(unknown_paths(child, attributes, parent) for child in node.children))
    if isinstance(node, Not):
        return unknown_paths(node.child, attributes, parent)
    if parent is not None:
        key = f"{parent.key}.{node.path.key}"
        return set() if key in attributes.by_key else {key}
    found = attributes.find(node.path)
    if found is None:
        return {node.path.key}
    return unknown_paths(node.filter, attributes, found) if isinstance(node, ValuePath) else set()
