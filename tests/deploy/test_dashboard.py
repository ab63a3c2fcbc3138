"""deploy/grafana/scim-proxy.json: a valid dashboard that queries only what the app exports, and all of it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .exports import Exports, app_exports, legend_labels, scraped_exports, unknown_references
from .promql import parse

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "scim-proxy.json"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_COLUMNS = 24
_LABEL_VALUES = re.compile(r"label_values\((?P<selector>[^()]*),\s*(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\)")


def _dashboard() -> dict[str, Any]:
    board: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return board


def _panels() -> Iterator[dict[str, Any]]:
    """Every panel, including those folded inside collapsed rows."""
    for panel in _dashboard()["panels"]:
        yield panel
        yield from panel.get("panels", [])


def _targets() -> Iterator[tuple[str, dict[str, Any]]]:
    for panel in _panels():
        for target in panel.get("targets", []):
            yield panel["title"], target


def _variable_query(variable: dict[str, Any]) -> str:
    query = variable["query"]
    return str(query["query"] if isinstance(query, dict) else query)


def test_dashboard_is_valid_grafana_json() -> None:
    """The dashboard has a uid, title and schemaVersion; panel ids are unique; panels tile the 24-column grid."""
    board = _dashboard()
    assert isinstance(board["schemaVersion"], int) and board["schemaVersion"] >= 36
    assert board["uid"] == "scim-proxy"
    assert board["title"]
    ids = [panel["id"] for panel in _panels()]
    assert len(ids) == len(set(ids))
    occupied: set[tuple[int, int]] = set()
    for panel in _panels():
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["w"] > 0 and grid["x"] + grid["w"] <= GRID_COLUMNS, panel["title"]
        cells = {
            (x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & occupied, f"{panel['title']} overlaps another panel"
        occupied |= cells


def test_every_query_uses_the_templated_datasource() -> None:
    """The datasource is the ${datasource} variable everywhere, so the dashboard imports into any Grafana."""
    variables = {v["name"]: v for v in _dashboard()["templating"]["list"]}
    assert {"type": "datasource", "query": "prometheus"}.items() <= variables["datasource"].items()
    for panel in _panels():
        if panel["type"] in {"row", "text"}:
            continue
        assert DATASOURCE == panel["datasource"], panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        assert all(DATASOURCE == target["datasource"] for target in panel["targets"]), panel["title"]
    for variable in variables.values():
        if variable["type"] == "query":
            assert DATASOURCE == variable["datasource"], variable["name"]


def test_every_panel_query_reads_only_what_the_app_exports(exports: Exports) -> None:
    """Each panel's metrics, labels, label values and legend labels are ones the app (or Prometheus) exports."""
    problems = [
        f"{title}: {problem}"
        for title, target in _targets()
        for problem in unknown_references(
            target["expr"], exports, also_labels=legend_labels(target.get("legendFormat", ""))
        )
    ]

    assert [] == problems


def test_every_variable_query_reads_only_what_the_app_exports(exports: Exports) -> None:
    """The label_values() variable queries name an exported metric and a label it has."""
    queries = [_variable_query(v) for v in _dashboard()["templating"]["list"] if v["type"] == "query"]
    assert queries
    problems = []
    for query in queries:
        match = _LABEL_VALUES.fullmatch(query)
        assert match, f"not a label_values(selector, label) query: {query}"
        problems += unknown_references(match["selector"], exports, also_labels=frozenset({match["label"]}))

    assert [] == problems


def test_every_exported_metric_is_on_the_dashboard() -> None:
    """Each metric the app exports (and each pending one) is queried by some panel: nothing measured goes unseen."""
    queried = {s.metric for _, target in _targets() for s in parse(target["expr"]).selectors}
    families = {
        name
        for name in {*scraped_exports(), *app_exports().labels}
        if name != "up" and not name.endswith(("_created", "_sum", "_count"))
    }

    assert set() == families - queried
