"""Pure: the RFC 7644 section 3.4.2.2 filter language, tokenised and parsed into a small frozen AST.

    filter   = term *("or" term)                      precedence: not > and > or
    term     = factor *("and" factor)
    factor   = "not" "(" filter ")" / "(" filter ")" / attrExp
    attrExp  = attrPath "pr" / attrPath compareOp value
             / attrPath "[" valFilter "]" ["." subAttr] ["pr" / compareOp value]
    value    = a JSON string, true, false, null, a JSON number, or a bare word

Keywords, operators and attribute names are case-insensitive. Two leniencies, each because a
real client sends it: a bare word is a string value (Entra's documentation writes
`externalId eq jyoung`, Microsoft's test collection `userName sw O`); and Entra's
`emails[type eq "work"].value eq "x"` (or without `.value`) means
`emails[type eq "work" and value eq "x"]`, which is how it is parsed.

Bounded, because the proxy faces the open internet: at most MAX_FILTER_LENGTH characters,
MAX_DEPTH nested parentheses, brackets or `not`s, MAX_NODES nodes. The tokenizer is one pass
over the text and the parser one pass over the tokens; there is no regular expression.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from scim_proxy.errors import InvalidFilter
from scim_proxy.scim.filter_tokens import KEYWORDS, PUNCTUATION, Literal, Token, literal, tokenize

MAX_FILTER_LENGTH = 4096
MAX_DEPTH = 32
MAX_NODES = 200
COMPARE_OPS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@attrs.frozen
class AttrPath:
    """`[uri:]name[.sub]` as written; `key` is the case-folded form that names resolve by."""

    uri: str | None
    name: str
    sub: str | None = None

    @property
    def key(self) -> str:
        path = self.name if self.sub is None else f"{self.name}.{self.sub}"
        return (path if self.uri is None else f"{self.uri}:{path}").lower()

    def __str__(self) -> str:
        path = self.name if self.sub is None else f"{self.name}.{self.sub}"
        return path if self.uri is None else f"{self.uri}:{path}"


@attrs.frozen
class Compare:
    """`path op value`; `raw` is the value as written (a number's digits, a bare word)."""

    path: AttrPath
    op: str
    value: Literal
    raw: str


@attrs.frozen
class Present:
    """`path pr`."""

    path: AttrPath


@attrs.frozen
class ValuePath:
    """`path[filter]`: some value of the multi-valued (or complex) `path` satisfies `filter`,
    whose paths name its sub-attributes."""

    path: AttrPath
    filter: Filter


@attrs.frozen
class And:
    children: tuple[Filter, ...]


@attrs.frozen
class Or:
    children: tuple[Filter, ...]


@attrs.frozen
class Not:
    child: Filter


Filter: TypeAlias = Compare | Present | ValuePath | And | Or | Not


def parse(text: str) -> Filter:
    """The AST of `text`; InvalidFilter, with the position, for anything outside the grammar."""
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilter(f"The filter is longer than {MAX_FILTER_LENGTH} characters")
    tokens = tokenize(text)
    if not tokens:
        raise InvalidFilter("The filter is empty")
    return _Parser(tokens).parse()


def parse_path(text: str) -> AttrPath:
    """One attribute path on its own (a `sortBy`); InvalidFilter if it is not one."""
    path = text.strip()
    if not path or len(path) > MAX_FILTER_LENGTH or any(c.isspace() or c in PUNCTUATION or c == '"' for c in path):
        raise InvalidFilter(f"{text[:64]!r} is not an attribute path")
    return _path(Token("word", path, 0), relative=False)


class _Parser:
    """Recursive descent over the tokens; depth is bounded by MAX_DEPTH, size by MAX_NODES."""

    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._at = 0
        self._nodes = 0

    def parse(self) -> Filter:
        tree = self._filter(depth=0, inside=False)
        if self._at < len(self._tokens):
            token = self._tokens[self._at]
            raise InvalidFilter(f"Unexpected {token.text!r} at position {token.position}: expected 'and', 'or' or end")
        return tree

    def _filter(self, *, depth: int, inside: bool) -> Filter:
        terms = [self._term(depth=depth, inside=inside)]
        while self._keyword("or"):
            terms.append(self._term(depth=depth, inside=inside))
        return terms[0] if len(terms) == 1 else self._node(Or(_flat(Or, terms)))

    def _term(self, *, depth: int, inside: bool) -> Filter:
        factors = [self._factor(depth=depth, inside=inside)]
        while self._keyword("and"):
            factors.append(self._factor(depth=depth, inside=inside))
        return factors[0] if len(factors) == 1 else self._node(And(_flat(And, factors)))

    def _factor(self, *, depth: int, inside: bool) -> Filter:
        token = self._peek("an expression")
        if token.kind == "(":
            self._at += 1
            inner = self._filter(depth=_deeper(depth), inside=inside)
            self._expect(")")
            return inner
        if token.kind == "word" and token.text.lower() == "not":
            self._at += 1
            self._expect("(", after="'not'")
            inner = self._filter(depth=_deeper(depth), inside=inside)
            self._expect(")")
            return self._node(Not(inner))
        if token.kind != "word":
            raise InvalidFilter(f"Unexpected {token.text!r} at position {token.position}: expected an attribute")
        return self._attribute_expression(depth=depth, inside=inside)

    def _attribute_expression(self, *, depth: int, inside: bool) -> Filter:
        token = self._tokens[self._at]
        self._at += 1
        path = _path(token, relative=inside)
        if not self._next_is("["):
            return self._condition(path)
        if inside:
            raise InvalidFilter(f"A value filter cannot hold another one (position {token.position})")
        self._at += 1
        inner = self._filter(depth=_deeper(depth), inside=True)
        closing = self._expect("]")
        sub = self._sub_attribute(closing)
        if sub is None and not self._next_is_operator():
            return self._node(ValuePath(path, inner))
        # `emails[type eq "work"].value eq "x"`: the comparison applies to the same value.
        condition = self._condition(AttrPath(None, sub or "value"))
        return self._node(ValuePath(path, self._node(And(_flat(And, [inner, condition])))))

    def _sub_attribute(self, closing: Token) -> str | None:
        if self._at >= len(self._tokens):
            return None
        token = self._tokens[self._at]
        if token.kind != "word" or not token.text.startswith(".") or token.position != closing.position + 1:
            return None
        self._at += 1
        name = token.text[1:]
        if not _is_name(name):
            raise InvalidFilter(f"{token.text!r} at position {token.position} is not a sub-attribute name")
        return name

    def _condition(self, path: AttrPath) -> Filter:
        operator = self._peek(f"an operator after '{path}'")
        op = operator.text.lower()
        self._at += 1
        if operator.kind == "word" and op == "pr":
            return self._node(Present(path))
        if operator.kind != "word" or op not in COMPARE_OPS:
            raise InvalidFilter(
                f"Unknown operator {operator.text!r} at position {operator.position}; "
                f"use one of {', '.join(COMPARE_OPS)} or pr"
            )
        value = self._peek(f"a value after '{path} {operator.text}'")
        self._at += 1
        parsed, raw = literal(value)
        return self._node(Compare(path, op, parsed, raw))

    def _node(self, node: Filter) -> Filter:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise InvalidFilter(f"The filter has more than {MAX_NODES} parts")
        return node

    def _peek(self, wanted: str) -> Token:
        if self._at >= len(self._tokens):
            raise InvalidFilter(f"The filter ends where {wanted} was expected")
        return self._tokens[self._at]

    def _next_is(self, kind: str) -> bool:
        return self._at < len(self._tokens) and self._tokens[self._at].kind == kind

    def _next_is_operator(self) -> bool:
        if not self._next_is("word"):
            return False
        return self._tokens[self._at].text.lower() in (*COMPARE_OPS, "pr")

    def _keyword(self, word: str) -> bool:
        if self._next_is("word") and self._tokens[self._at].text.lower() == word:
            self._at += 1
            return True
        return False

    def _expect(self, kind: str, *, after: str = "") -> Token:
        where = f" after {after}" if after else ""
        token = self._peek(f"'{kind}'{where}")
        if token.kind != kind:
            raise InvalidFilter(f"Expected '{kind}'{where} at position {token.position}, found {token.text!r}")
        self._at += 1
        return token


def _deeper(depth: int) -> int:
    if depth + 1 > MAX_DEPTH:
        raise InvalidFilter(f"The filter nests more than {MAX_DEPTH} levels deep")
    return depth + 1


def _flat(kind: type[And] | type[Or], parts: list[Filter]) -> tuple[Filter, ...]:
    """`a and (b and c)` as one And of three: shallower trees, simpler JumpCloud queries."""
    flat: list[Filter] = []
    for part in parts:
        flat.extend(part.children if isinstance(part, kind) else (part,))
    return tuple(flat)


def _path(token: Token, *, relative: bool) -> AttrPath:
    """Split `urn:...:name.sub`; inside brackets only a bare sub-attribute name is allowed."""
    text = token.text
    uri: str | None = None
    rest = text
    if text.lower().startswith("urn:"):
        uri, _, rest = text.rpartition(":")
    name, dot, sub = rest.partition(".")
    if not _is_name(name) or (dot and not _is_name(sub)) or text.lower() in KEYWORDS:
        raise InvalidFilter(f"{text!r} at position {token.position} is not an attribute path")
    if relative and (uri is not None or dot):
        raise InvalidFilter(f"{text!r} at position {token.position}: inside [...] name a sub-attribute, like 'value'")
    return AttrPath(uri, name, sub if dot else None)


def _is_name(text: str) -> bool:
    """RFC 7643 ATTRNAME (ALPHA *(ALPHA / DIGIT / "-" / "_")), plus `$ref`."""
    if not text:
        return False
    first, rest = text[0], text[1:]
    return (first == "$" or (first.isascii() and first.isalpha())) and _NAME_CHARS.issuperset(rest)
