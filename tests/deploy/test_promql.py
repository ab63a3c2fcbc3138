"""The PromQL reader and the export check behind the dashboard and alert tests: what they catch."""

from __future__ import annotations

import pytest

from .exports import Exports, alternatives, legend_labels, unknown_references
from .promql import Expression, Matcher, PromQLError, Selector, parse


def test_reads_selectors_matchers_and_grouping_labels() -> None:
    """Metric names, every matcher with its operator and value, and the by/on labels come out; nothing else."""
    expr = """
        sum by (namespace, job) (rate(scim_requests_total{job="scim-proxy", status=~"5..|429"}[1h]))
          / on (namespace) group_left
        max without (instance) (up{job!="other"} offset 80m) > bool 0.5
    """

    assert Expression(
        selectors=(
            Selector("scim_requests_total", (Matcher("job", "=", "scim-proxy"), Matcher("status", "=~", "5..|429"))),
            Selector("up", (Matcher("job", "!=", "other"),)),
        ),
        grouping_labels=frozenset({"namespace", "job", "instance"}),
    ) == parse(expr)


def test_keywords_functions_numbers_and_durations_are_not_metrics() -> None:
    """Aggregators, functions, keywords, numbers, durations and @ modifiers are not read as metric names."""
    expr = (
        "histogram_quantile(0.99, sum(rate(x_bucket[5m:1m])) by (le)) > 1e3 and on() "
        "vector(1) @ end() or absent(y) * -Inf unless z offset -1h30m"
    )

    assert ["x_bucket", "y", "z"] == [s.metric for s in parse(expr).selectors]
    assert frozenset({"le"}) == parse(expr).grouping_labels


def test_strings_are_values_not_syntax() -> None:
    """Braces, commas and quotes inside a matcher's string stay in the value, in all three quoting styles."""
    parsed = parse("""x{a="}{,\\"", b='it\\'s', c=`raw\\d`,}""")

    assert (Matcher("a", "=", '}{,"'), Matcher("b", "=", "it's"), Matcher("c", "=", "raw\\d")) == (
        parsed.selectors[0].matchers
    )


def test_grafana_variables_are_accepted_where_grafana_puts_them() -> None:
    """`$__rate_interval` in a range and `$job` inside a string read as PromQL does after Grafana's substitution."""
    parsed = parse('rate(x{job=~"$job"}[$__rate_interval]) + rate(y[${window}])')

    assert ["x", "y"] == [s.metric for s in parsed.selectors]
    assert Matcher("job", "=~", "$job") == parsed.selectors[0].matchers[0]


@pytest.mark.parametrize(
    "expr",
    [
        "rat(x[5m])",  # a misspelt function
        'label_replace(x, "a", "$1", "b", "(.*)")',  # names labels in strings, which the check cannot follow
        '{__name__="x"}',  # a selector without a metric name
        "sum(rate(x[5m])",  # unclosed parenthesis
        "x}",  # stray brace
        "x{a=1}",  # an unquoted matcher value
        'x{a="1" b="2"}',  # a missing comma
        'x{a="1"',  # an unfinished selector
        "sum by x (y)",  # by without a label list
        "x[5 minutes]",  # not a duration
        "x; drop",  # not PromQL at all
    ],
)
def test_rejects_what_it_cannot_read(expr: str) -> None:
    """Syntax the reader does not understand raises instead of being skipped over."""
    with pytest.raises(PromQLError):
        parse(expr)


def test_legend_and_template_labels() -> None:
    """Labels come out of Grafana legends and alert templates; other text does not."""
    assert frozenset({"operation", "status", "job"}) == legend_labels(
        "{{operation}} {{ status }} on {{ $labels.job }} ({{ $value | humanize }})"
    )


def test_alternatives_split_only_at_the_top_level() -> None:
    """A regex splits at `|` outside parentheses and escapes only."""
    assert ["2..", "4(0[19]|29)", "a\\|b"] == alternatives("2..|4(0[19]|29)|a\\|b")


def test_a_real_query_has_no_problems(exports: Exports) -> None:
    """A query over real metrics, labels and values passes: the check is not simply always failing."""
    expr = (
        'sum by (operation, status) (rate(scim_requests_total{job="scim-proxy", operation=~"get_user|list_users",'
        ' status=~"2..|409"}[5m])) / on (operation) group_left sum by (operation, le)'
        " (rate(scim_request_duration_seconds_bucket[5m]))"
    )

    assert [] == unknown_references(expr, exports, also_labels=frozenset({"operation", "status"}))


@pytest.mark.parametrize(
    ("expr", "legend", "problem"),
    [
        ("rate(scim_requests_totl[5m])", "", "scim_requests_totl is not a metric the app exports"),
        ("rate(scim_request_duration_seconds[5m])", "", "scim_request_duration_seconds is not a metric"),
        ('scim_requests_total{endpoint="/x"}', "", "scim_requests_total has no label 'endpoint'"),
        ('up{operation="get_user"}', "", "up has no label 'operation'"),
        ("sum by (tenant) (scim_requests_total)", "", "no metric in the query has label 'tenant'"),
        ("sum by (le) (rate(scim_requests_total[5m]))", "", "no metric in the query has label 'le'"),
        ("sum by (operation) (scim_requests_total)", "{{operation}} {{org}}", "no metric in the query has label 'org'"),
        ('scim_requests_total{operation="list_user"}', "", "matches no real value"),
        ('scim_requests_total{operation!="getUser"}', "", "matches no real value"),
        ('scim_requests_total{operation=~"get_user|pach_user"}', "", "matches no real value"),
        ('scim_requests_total{status=~"5xx"}', "", "matches no real value"),
        ('scim_auth_rejections_total{reason="bad_key"}', "", "matches no real value"),
        ('jumpcloud_calls_total{method="get"}', "", "matches no real value"),
        ('up{job="scim_proxy"}', "", "matches no real value"),
    ],
)
def test_catches_made_up_metrics_labels_and_values(exports: Exports, expr: str, legend: str, problem: str) -> None:
    """A metric, label or label value the app does not export is reported, wherever the query names it."""
    problems = unknown_references(expr, exports, also_labels=legend_labels(legend))

    assert any(problem in found for found in problems), problems
