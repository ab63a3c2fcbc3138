"""Offline checks of deploy/: schemas, ports, probes, setting names and hardening agree with the app.

Nothing here needs Docker, a cluster or the network: manifests are validated against the schemas bundled
with kubernetes-validate, and the Dockerfile and compose file are read as text / YAML. These tests read
the manifest files of the kustomize base and overlays; tests/deploy/test_kustomize.py renders the
overlays and checks the Prometheus Operator objects, which kubernetes-validate does not know.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from scim_proxy.settings import Settings, setting_fields
from scim_proxy.web.app import create_app

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
K8S = DEPLOY / "kubernetes"
# Custom resources of the Prometheus Operator: validated in tests/deploy/test_kustomize.py instead.
OPERATOR_KINDS = {"ServiceMonitor", "PrometheusRule"}
K8S_VERSION = "1.37.0"
APP_NAME = "scim-proxy"
HEALTH_PATHS = {"liveness": "/healthz", "readiness": "/readyz"}
SETTING_ENVS = frozenset(f.metadata["env"] for f in setting_fields())
DEFAULTS = {f.metadata["env"]: f.default for f in setting_fields()}
ENV_NAME = re.compile(r"\bSCIM_PROXY_[A-Z0-9_]+\b")
# The compose/Caddy placeholder for the public DNS name: not an app setting.
PUBLIC_SCIM_ENV = {"SCIM_PROXY_DOMAIN"}
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the value containers must set, compared here, never bound


def _manifest_files() -> list[Path]:
    """Every manifest of built-in kinds in the base and the overlays (kustomizations and operator objects aside)."""
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml" and not _operator_manifest(p))


def _operator_manifest(path: Path) -> bool:
    return any(doc and doc["kind"] in OPERATOR_KINDS for doc in yaml.safe_load_all(path.read_text()))


def _kustomizations() -> list[Path]:
    return sorted(K8S.rglob("kustomization.yaml"))


def _documents() -> list[tuple[Path, dict[str, Any]]]:
    docs = []
    for path in _manifest_files():
        docs.extend((path, doc) for doc in yaml.safe_load_all(path.read_text()) if doc)
    return docs


def _kind(kind: str) -> dict[str, Any]:
    found = [doc for _, doc in _documents() if doc["kind"] == kind]
    assert len(found) == 1, f"expected exactly one {kind}, found {len(found)}"
    return found[0]


def _pod_spec() -> dict[str, Any]:
    spec: dict[str, Any] = _kind("Deployment")["spec"]["template"]["spec"]
    return spec


def _container() -> dict[str, Any]:
    containers = _pod_spec()["containers"]
    assert len(containers) == 1
    container: dict[str, Any] = containers[0]
    return container


def _configmap_data() -> dict[str, str]:
    data: dict[str, str] = _kind("ConfigMap")["data"]
    return data


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return compose


def _compose_proxy() -> dict[str, Any]:
    service: dict[str, Any] = _compose()["services"][APP_NAME]
    return service


def _dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile as stages of (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text()
    logical, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[list[tuple[str, str]]] = []
    for line in logical:
        instruction, _, args = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), args.strip()))
    return stages


def _final_stage() -> list[tuple[str, str]]:
    return _dockerfile_stages()[-1]


def _dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, args in _final_stage():
        if instruction == "ENV":
            for pair in shlex.split(args):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def _resolve_port(port: int | str) -> int:
    """A container port number, resolving a named port through the Deployment's container ports."""
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in _container()["ports"] if p["name"] == port)


def _probe(name: str) -> dict[str, Any]:
    probe: dict[str, Any] = _container()[name]
    return probe


def _prestop_seconds() -> int:
    command = _container().get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    return int(command[1]) if command[:1] == ["sleep"] else 0


# 1. Schemas ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_manifest_validates_against_kubernetes_schema(path: Path) -> None:
    """Every document in every manifest validates strictly against the bundled Kubernetes schema."""
    docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    assert docs, f"{path.name} holds no Kubernetes object"
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_kustomizations_list_every_manifest() -> None:
    """Each kustomization applies exactly the manifests beside it; overlays build on the base (namespace scim-proxy)."""
    assert [K8S / "base", K8S / "overlays" / "minimal", K8S / "overlays" / "production"] == [
        p.parent for p in _kustomizations()
    ]
    for path in _kustomizations():
        resources = yaml.safe_load(path.read_text())["resources"]
        beside = sorted(p.name for p in path.parent.glob("*.yaml") if p.name != "kustomization.yaml")
        assert beside == sorted(r for r in resources if not r.startswith("..")), path
        if path.parent.name != "base":
            assert "../../base" in resources, path
    assert yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())["namespace"] == APP_NAME


def test_labels_and_namespace_are_consistent() -> None:
    """Every object is labelled app.kubernetes.io/name: scim-proxy and sits in (or is) that namespace."""
    for path, doc in _documents():
        meta = doc["metadata"]
        assert meta["labels"]["app.kubernetes.io/name"] == APP_NAME, path.name
        if doc["kind"] == "Namespace":
            assert meta["name"] == APP_NAME
        else:
            assert meta["namespace"] == APP_NAME, path.name
    deployment = _kind("Deployment")
    selector = {"app.kubernetes.io/name": APP_NAME}
    assert selector == deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert selector == _kind("Service")["spec"]["selector"]
    assert selector == _kind("PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
    assert selector == _kind("NetworkPolicy")["spec"]["podSelector"]["matchLabels"]
    assert _kind("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["kind"] == "Deployment"


def test_no_secret_objects() -> None:
    """The manifests hold no Secret: the JumpCloud key arrives on every request, the proxy stores none."""
    assert not [path.name for path, doc in _documents() if doc["kind"] == "Secret"]
    for path in _kustomizations():
        assert "secretGenerator" not in yaml.safe_load(path.read_text()), path


# 2. Ports -----------------------------------------------------------------------------------------------


def test_ports_agree_everywhere() -> None:
    """Settings default, ConfigMap, container, Service, probes, EXPOSE and compose agree on one port."""
    port = DEFAULTS["SCIM_PROXY_PORT"]
    assert int(_configmap_data()["SCIM_PROXY_PORT"]) == port
    assert [port] == [p["containerPort"] for p in _container()["ports"] if p["name"] == "http"]
    service_ports = _kind("Service")["spec"]["ports"]
    assert [port] == [_resolve_port(p["targetPort"]) for p in service_ports]
    assert _kind("Service")["spec"]["type"] == "ClusterIP"
    assert [p["port"] for p in service_ports] == [80]
    assert [(port, "TCP")] == [
        (p["port"], p["protocol"]) for p in _kind("NetworkPolicy")["spec"]["ingress"][0]["ports"]
    ]
    for name in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert port == _resolve_port(_probe(name)["httpGet"]["port"]), name
    assert [str(port)] == [args for instruction, args in _final_stage() if instruction == "EXPOSE"]
    assert str(port) == _dockerfile_env()["SCIM_PROXY_PORT"]
    proxy = _compose_proxy()
    assert [str(port)] == [str(p) for p in proxy["expose"]]
    assert str(port) == str(proxy["environment"]["SCIM_PROXY_PORT"])
    assert f"{APP_NAME}:{port}" in (DEPLOY / "Caddyfile").read_text()


def test_containers_listen_on_all_interfaces() -> None:
    """The image, the ConfigMap and compose set SCIM_PROXY_HOST=0.0.0.0 (the app defaults to loopback)."""
    assert _dockerfile_env()["SCIM_PROXY_HOST"] == ALL_INTERFACES
    assert _configmap_data()["SCIM_PROXY_HOST"] == ALL_INTERFACES
    assert _compose_proxy()["environment"]["SCIM_PROXY_HOST"] == ALL_INTERFACES


def test_proxy_is_not_published_directly_in_compose() -> None:
    """In compose only Caddy publishes host ports; the proxy is reachable on the compose network alone."""
    assert "ports" not in _compose_proxy()
    assert {"80:80", "443:443"} <= set(_compose()["services"]["caddy"]["ports"])


# 3. Probes ----------------------------------------------------------------------------------------------


def test_probe_paths_are_the_health_routes() -> None:
    """Startup and liveness probes hit /healthz, readiness hits /readyz, in k8s, the image and compose."""
    assert HEALTH_PATHS["liveness"] == _probe("startupProbe")["httpGet"]["path"]
    assert HEALTH_PATHS["liveness"] == _probe("livenessProbe")["httpGet"]["path"]
    assert HEALTH_PATHS["readiness"] == _probe("readinessProbe")["httpGet"]["path"]
    healthcheck = [args for instruction, args in _final_stage() if instruction == "HEALTHCHECK"]
    assert len(healthcheck) == 1
    assert "/healthz" in healthcheck[0]
    assert "urllib" in healthcheck[0]
    assert "/healthz" in " ".join(_compose_proxy()["healthcheck"]["test"])


def test_app_serves_the_probe_and_ingress_paths() -> None:
    """create_app() routes /healthz and /readyz and serves the /scim/v2 and /orgs prefixes of the Ingress."""
    paths = {getattr(route, "path", None) for route in create_app(Settings()).routes}
    assert set(HEALTH_PATHS.values()) <= paths
    ingress_prefixes = {p["path"] for rule in _kind("Ingress")["spec"]["rules"] for p in rule["http"]["paths"]}
    assert {"/scim/v2", "/orgs"} == ingress_prefixes
    for prefix in ingress_prefixes:
        assert any(str(path).startswith(prefix) for path in paths), prefix


# 4. Setting names ---------------------------------------------------------------------------------------


def _used_env_names() -> dict[str, set[str]]:
    container = _container()
    deployment_names = {e["name"] for e in container.get("env", [])}
    deployment_names |= set(ENV_NAME.findall((K8S / "base" / "deployment.yaml").read_text()))
    return {
        "configmap": set(_configmap_data()),
        "deployment": deployment_names,
        "compose": set(_compose_proxy()["environment"])
        | set(ENV_NAME.findall((DEPLOY / "docker-compose.yml").read_text())) - PUBLIC_SCIM_ENV,
        "dockerfile": set(ENV_NAME.findall((DEPLOY / "Dockerfile").read_text())),
    }


@pytest.mark.parametrize("source", ["configmap", "deployment", "compose", "dockerfile"])
def test_env_names_are_real_settings(source: str) -> None:
    """Every SCIM_PROXY_* name a deploy file sets or mentions is a field of scim_proxy.settings.Settings."""
    unknown = {name for name in _used_env_names()[source] if name.startswith("SCIM_PROXY_")} - SETTING_ENVS
    assert not unknown, f"{source} uses env names that are not settings: {sorted(unknown)}"


def test_configmap_values_are_accepted_by_settings() -> None:
    """Settings.from_env() accepts the ConfigMap and the compose environment as they are."""
    assert Settings.from_env(_configmap_data()).host == ALL_INTERFACES
    compose_env = {k: str(v) for k, v in _compose_proxy()["environment"].items()}
    compose_env["SCIM_PROXY_JUMPCLOUD_URL"] = "us"  # compose interpolates ${...:-us}
    compose_env["SCIM_PROXY_PUBLIC_URL"] = "https://scim.example.com"  # and https://${SCIM_PROXY_DOMAIN}
    assert Settings.from_env(compose_env).host == ALL_INTERFACES


def test_deployment_takes_its_settings_from_the_configmap() -> None:
    """The container reads its environment from the scim-proxy ConfigMap."""
    refs = [src["configMapRef"]["name"] for src in _container()["envFrom"] if "configMapRef" in src]
    assert [_kind("ConfigMap")["metadata"]["name"]] == refs


# 5. Hardening -------------------------------------------------------------------------------------------


def test_security_context_is_hardened() -> None:
    """Pod and container run as UID 10001, read-only, unprivileged, with no capabilities, RuntimeDefault."""
    pod = _pod_spec()
    assert {"runAsNonRoot": True, "runAsUser": 10001}.items() <= pod["securityContext"].items()
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert False is pod["automountServiceAccountToken"]
    ctx = _container()["securityContext"]
    assert True is ctx["runAsNonRoot"]
    assert ctx["runAsUser"] == 10001
    assert True is ctx["readOnlyRootFilesystem"]
    assert False is ctx["allowPrivilegeEscalation"]
    assert ctx["capabilities"]["drop"] == ["ALL"]
    assert "add" not in ctx["capabilities"]
    assert ctx["seccompProfile"]["type"] == "RuntimeDefault"


def test_resources_and_availability() -> None:
    """Requests and limits are set, 2 replicas roll without downtime, HPA aims at 70 % CPU, PDB keeps 1."""
    resources = _container()["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert {"cpu", "memory"} <= resources["limits"].keys()
    deployment = _kind("Deployment")["spec"]
    assert deployment["replicas"] == 2
    assert deployment["strategy"]["type"] == "RollingUpdate"
    assert deployment["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    hpa = _kind("HorizontalPodAutoscaler")["spec"]
    assert 2 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    assert [m["resource"]["target"]["averageUtilization"] for m in hpa["metrics"]] == [70]
    assert _kind("PodDisruptionBudget")["spec"]["minAvailable"] == 1


def test_networkpolicy_egress_allows_only_dns_and_https() -> None:
    """The NetworkPolicy restricts both directions, and egress opens only port 53 (UDP+TCP) and TCP 443."""
    spec = _kind("NetworkPolicy")["spec"]
    assert {"Ingress", "Egress"} == set(spec["policyTypes"])
    allowed = {(p.get("protocol", "TCP"), p["port"]) for rule in spec["egress"] for p in rule["ports"]}
    assert {("UDP", 53), ("TCP", 53), ("TCP", 443)} == allowed
    assert all(rule.get("ports") for rule in spec["egress"]), "an egress rule without ports opens every port"
    assert all(rule.get("from") and rule.get("ports") for rule in spec["ingress"])


def test_termination_grace_exceeds_shutdown_timeout() -> None:
    """Pod grace exceeds preStop sleep + shutdown timeout; compose's stop grace exceeds the timeout."""
    default = DEFAULTS["SCIM_PROXY_SHUTDOWN_TIMEOUT"]
    timeout = float(_configmap_data().get("SCIM_PROXY_SHUTDOWN_TIMEOUT", default))
    assert _pod_spec()["terminationGracePeriodSeconds"] > _prestop_seconds() + timeout
    proxy = _compose_proxy()
    compose_timeout = float(proxy["environment"].get("SCIM_PROXY_SHUTDOWN_TIMEOUT", timeout))
    assert int(str(proxy["stop_grace_period"]).removesuffix("s")) > compose_timeout


def test_dockerfile_final_stage_is_non_root_with_healthcheck() -> None:
    """The runtime stage runs as a numeric non-root USER, has a HEALTHCHECK, stops on SIGTERM, serves."""
    stages = _dockerfile_stages()
    assert len(stages) >= 2, "multi-stage build expected"
    final = dict(_final_stage())  # last occurrence wins, as in Docker
    assert "python:3.11-slim" in (DEPLOY / "Dockerfile").read_text()
    user = final["USER"].split(":")[0]
    assert user.isdigit() and int(user) != 0
    assert "HEALTHCHECK" in final
    assert final["STOPSIGNAL"] == "SIGTERM"
    assert yaml.safe_load(final["ENTRYPOINT"]) == ["scim-proxy", "serve"]
    assert "uv sync --locked --no-dev" in (DEPLOY / "Dockerfile").read_text()


def test_compose_proxy_is_hardened() -> None:
    """The compose proxy is read-only, gains no privileges or capabilities, restarts, trusts only Caddy."""
    proxy = _compose_proxy()
    assert True is proxy["read_only"]
    assert "no-new-privileges:true" in proxy["security_opt"]
    assert proxy["cap_drop"] == ["ALL"]
    assert proxy["restart"] in {"always", "unless-stopped"}
    caddy_ip = _compose()["services"]["caddy"]["networks"]["scim"]["ipv4_address"]
    assert caddy_ip == proxy["environment"]["SCIM_PROXY_FORWARDED_ALLOW_IPS"]
