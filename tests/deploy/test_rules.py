"""deploy/prometheus: the alert rules read only real exports, pass promtool's unit tests, and have one source."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from .exports import Exports, alternatives, legend_labels, operations, unknown_references
from .promql import parse

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "deploy" / "prometheus"
RULES = PROMETHEUS / "scim-proxy.rules.yml"
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*.test.yml"))
MANIFEST = REPO / "deploy" / "kubernetes" / "overlays" / "production" / "prometheusrule.yaml"
DASHBOARD = REPO / "deploy" / "grafana" / "scim-proxy.json"
# Operations Entra never calls in a provisioning cycle, so they cannot prove it is calling.
NOT_ENTRA = frozenset(
    {"unknown", "service_provider_config", "list_schemas", "get_schema"}
    | {"list_resource_types", "get_resource_type"}
    | {"search_all", "search_groups"}  # POST /.search and /Groups/.search: other SCIM clients' searches
)


def _alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_prometheusrule", PROMETHEUS / "make_prometheusrule.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _promtool() -> str:
    """promtool from `make promtool` (.tools/bin) or the PATH; skipped without it, except in CI."""
    found = REPO / ".tools" / "bin" / "promtool"
    path = str(found) if found.exists() else shutil.which("promtool")
    if path is None:
        message = "promtool not installed: `make test` fetches it from Debian's prometheus package where apt exists"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_every_rule_reads_only_what_the_app_exports(exports: Exports) -> None:
    """Each alert's metrics, labels and values are real, and its templates name only labels it groups by."""
    problems = []
    for alert in _alerts():
        text = " ".join(alert["annotations"].values())
        problems += [f"{alert['alert']}: {p}" for p in unknown_references(alert["expr"], exports)]
        problems += [
            f"{alert['alert']}: the annotations name {label!r}, which the result does not carry"
            for label in sorted(legend_labels(text) - parse(alert["expr"]).grouping_labels)
        ]

    assert [] == problems


def test_every_alert_says_what_it_means() -> None:
    """Each alert has a unique name, a severity, a summary and a description."""
    names = [alert["alert"] for alert in _alerts()]
    assert len(names) == len(set(names))
    for alert in _alerts():
        assert alert["labels"]["severity"] in {"warning", "critical"}, alert["alert"]
        assert {"summary", "description"} == set(alert["annotations"]), alert["alert"]


def test_every_alert_has_promtool_tests_that_fire_and_stay_quiet() -> None:
    """For every alert, the promtool tests hold a case where it fires and a case where it must not."""
    fired: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {alert["alert"] for alert in _alerts()}

    assert (names, names) == (fired, quiet)


def test_promtool_accepts_the_rules_file() -> None:
    """promtool check rules finds the file valid."""
    argv = [_promtool(), "check", "rules", str(RULES)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 -- fixed argv

    assert 0 == result.returncode, result.stdout + result.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in result.stdout


def test_promtool_unit_tests_pass() -> None:
    """Every promtool unit test in deploy/prometheus/tests passes against the rules file."""
    result = subprocess.run(  # noqa: S603 -- fixed argv: promtool and this repository's test files
        [_promtool(), "test", "rules", *map(str, RULE_TESTS)], capture_output=True, text=True, check=False
    )

    assert 0 == result.returncode, result.stdout + result.stderr
    assert len(RULE_TESTS) == result.stdout.count("SUCCESS")


def test_entra_operations_are_every_user_and_group_operation() -> None:
    """The operations that prove Entra calls (alert, dashboard) are exactly the app's user and group endpoints."""
    entra = operations() - NOT_ENTRA
    stopped = next(a for a in _alerts() if a["alert"] == "ScimProxyEntraStoppedCalling")
    in_alert = {
        frozenset(alternatives(m.value))
        for s in parse(stopped["expr"]).selectors
        for m in s.matchers
        if m.label == "operation"
    }
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    stat = next(p for p in dashboard["panels"] if p["title"].startswith("Successful Entra requests"))
    in_stat = {
        frozenset(alternatives(m.value))
        for s in parse(stat["targets"][0]["expr"]).selectors
        for m in s.matchers
        if m.label == "operation"
    }

    assert {entra} == in_alert
    assert {entra} == in_stat


def test_prometheusrule_is_generated_from_the_rules_file() -> None:
    """The committed PrometheusRule is exactly what `make rules` makes, and its spec is the rules file."""
    generator = _generator()

    assert generator.render(RULES.read_text(encoding="utf-8")) == MANIFEST.read_text(encoding="utf-8")
    assert yaml.safe_load(RULES.read_text(encoding="utf-8")) == yaml.safe_load(MANIFEST.read_text())["spec"]
    assert 0 == generator.main(["--check"])


def test_generator_refuses_a_multi_document_rules_file() -> None:
    """A document marker in the rules file would cut the manifest short, so the generator refuses it."""
    with pytest.raises(ValueError, match="one YAML document"):
        _generator().render("groups: []\n---\ngroups: []\n")


def test_generator_keeps_block_scalars_and_comments() -> None:
    """Indenting under spec: keeps a multi-line expr and a comment intact."""
    text = (
        "# why\ngroups:\n  - name: g\n    rules:\n      - alert: A\n        expr: |\n          up\n\n          == 0\n"
    )

    manifest = yaml.safe_load(_generator().render(text))

    assert {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up\n\n== 0\n"}]}]} == manifest["spec"]
    assert "  # why\n" in _generator().render(text)
