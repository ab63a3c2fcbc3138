"""Just enough PromQL to list what an expression reads: metric selectors, their matchers, grouping labels.

Not an evaluator: a linear tokenizer plus a scan that knows where PromQL puts metric names
(an identifier that is neither a keyword nor a function call), label matchers (`{...}` after
a metric name) and label names (`by`, `without`, `on`, `ignoring`, `group_left`, `group_right`).
Anything it does not understand raises PromQLError instead of being skipped, so a check built on
it fails loudly rather than passing by not seeing: unknown functions, unbalanced brackets, a
selector without a metric name, stray characters. Grafana's variables (`$__rate_interval`,
`${job}`) are accepted where Grafana puts them: in ranges and inside strings.
"""

from __future__ import annotations

import json
import re

import attrs


class PromQLError(ValueError):
    """The expression uses syntax this reader does not know (or is not PromQL)."""


@attrs.frozen
class Matcher:
    label: str
    op: str  # =, !=, =~, !~
    value: str


@attrs.frozen
class Selector:
    metric: str
    matchers: tuple[Matcher, ...]


@attrs.frozen
class Expression:
    selectors: tuple[Selector, ...]
    grouping_labels: frozenset[str]  # named in by/without/on/ignoring/group_left/group_right


@attrs.frozen
class _Token:
    kind: str
    text: str
    pos: int


AGGREGATORS = frozenset(
    {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "quantile", "topk", "bottomk"}
)
# count_values, label_join and label_replace are left out on purpose: they name labels inside
# strings, which this reader does not follow; using one should make the check fail, not pass.
_FUNCTION_NAMES = """
    abs absent absent_over_time avg_over_time ceil changes clamp clamp_max clamp_min
    count_over_time day_of_month day_of_week day_of_year days_in_month delta deriv exp floor
    histogram_quantile holt_winters hour idelta increase irate last_over_time ln log10 log2
    max_over_time min_over_time minute month predict_linear present_over_time quantile_over_time
    rate resets round scalar sgn sort sort_desc sqrt stddev_over_time stdvar_over_time
    sum_over_time time timestamp vector year start end
"""
FUNCTIONS = frozenset(_FUNCTION_NAMES.split())
GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"})
MATCH_OPS = frozenset({"=", "!=", "=~", "!~"})

_DURATION = r"\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*"
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)
  | (?P<range>\[[^\[\]]*\])
  | (?P<variable>\$\{\w+\}|\$\w+)
  | (?P<duration>"""
    + _DURATION
    + r"""(?![\w:]))
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=@,(){}])
    """,
    re.VERBOSE,
)
_TIME = rf"(?:{_DURATION}|\$\{{\w+\}}|\$\w+)"
_RANGE_BODY = re.compile(rf"\[\s*{_TIME}\s*(?::\s*(?:{_TIME})?\s*)?\]")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_CLOSERS = {")": "(", "}": "{"}


def tokenize(expr: str) -> list[_Token]:
    """The expression's tokens, spaces and comments dropped; brackets checked for balance."""
    tokens: list[_Token] = []
    stack: list[str] = []
    pos = 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None:
            raise PromQLError(f"unexpected {expr[pos]!r} at {pos} in {expr!r}")
        kind = match.lastgroup or ""
        text = match.group()
        pos = match.end()
        if kind in {"space", "comment"}:
            continue
        if kind == "range" and not _RANGE_BODY.fullmatch(text):
            raise PromQLError(f"not a range or subquery: {text!r} in {expr!r}")
        if text in {"(", "{"}:
            stack.append(text)
        elif text in _CLOSERS and (not stack or stack.pop() != _CLOSERS[text]):
            raise PromQLError(f"unbalanced {text!r} at {match.start()} in {expr!r}")
        tokens.append(_Token(kind, text, match.start()))
    if stack:
        raise PromQLError(f"unclosed {stack[-1]!r} in {expr!r}")
    return tokens


def parse(expr: str) -> Expression:
    """Every metric selector (with its matchers) and every grouping label `expr` uses."""
    tokens = tokenize(expr)
    selectors: list[Selector] = []
    grouping: set[str] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if token.text == "{":
            raise PromQLError(f"a selector without a metric name at {token.pos} in {expr!r}")
        if token.kind != "ident":
            i += 1
            continue
        word = token.text.lower()
        if word in GROUPING:
            if following == "(":
                labels, i = _label_list(tokens, i + 2, expr)
                grouping.update(labels)
            elif word in {"group_left", "group_right"}:
                i += 1
            else:
                raise PromQLError(f"{token.text} without a label list at {token.pos} in {expr!r}")
        elif word in KEYWORDS:
            i += 1
        elif following == "(" or word in AGGREGATORS:
            if word not in FUNCTIONS | AGGREGATORS:
                raise PromQLError(f"unknown function {token.text!r} in {expr!r}")
            i += 1
        elif following == "{":
            matchers, i = _matchers(tokens, i + 2, expr)
            selectors.append(Selector(token.text, matchers))
        else:
            selectors.append(Selector(token.text, ()))
            i += 1
    return Expression(tuple(selectors), frozenset(grouping))


def _label_list(tokens: list[_Token], i: int, expr: str) -> tuple[list[str], int]:
    """Label names up to the closing parenthesis at or after tokens[i]; returns them and the next index."""
    labels: list[str] = []
    while tokens[i].text != ")":
        if tokens[i].kind != "ident" or not _LABEL_NAME.fullmatch(tokens[i].text):
            raise PromQLError(f"not a label name: {tokens[i].text!r} in {expr!r}")
        labels.append(tokens[i].text)
        i = _after_item(tokens, i + 1, ")", expr)
    return labels, i + 1


def _matchers(tokens: list[_Token], i: int, expr: str) -> tuple[tuple[Matcher, ...], int]:
    """`label op "value"` items up to the closing brace at or after tokens[i]; returns them and the next index."""
    found: list[Matcher] = []
    while tokens[i].text != "}":
        if i + 3 > len(tokens):
            raise PromQLError(f"an unfinished label matcher in {expr!r}")
        label, op, value = tokens[i : i + 3]
        if label.kind != "ident" or not _LABEL_NAME.fullmatch(label.text):
            raise PromQLError(f"not a label name: {label.text!r} in {expr!r}")
        if op.text not in MATCH_OPS or value.kind != "string":
            raise PromQLError(f"not a label matcher: {label.text}{op.text}{value.text} in {expr!r}")
        found.append(Matcher(label.text, op.text, _unquote(value.text)))
        i = _after_item(tokens, i + 3, "}", expr)
    return tuple(found), i + 1


def _after_item(tokens: list[_Token], i: int, closer: str, expr: str) -> int:
    """The index of the next item in a list: past a comma, or at the closer; anything else is an error."""
    if tokens[i].text == ",":
        return i + 1
    if tokens[i].text == closer:
        return i
    raise PromQLError(f"expected ',' or {closer!r}, found {tokens[i].text!r} in {expr!r}")


def _unquote(literal: str) -> str:
    """The value of a PromQL string literal: "..." and '...' with escapes, `...` raw."""
    if literal[0] == "`":
        return literal[1:-1]
    if literal[0] == "'":
        literal = '"' + literal[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'
    try:
        value: str = json.loads(literal)
    except json.JSONDecodeError as exc:
        raise PromQLError(f"unsupported escape in {literal}") from exc
    return value
