"""Wrap the plain rules file into a PrometheusRule for the Prometheus Operator (`make rules`).

The plain file is the one source: its text becomes the PrometheusRule's `spec`, indented, so its
comments (the reasons behind each threshold) travel with it. `--check` exits 1 when the committed
manifest is out of date, which is what the test suite asserts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = HERE / "scim-proxy.rules.yml"
MANIFEST = HERE.parent / "kubernetes" / "overlays" / "production" / "prometheusrule.yaml"

HEADER = """\
# Generated from deploy/prometheus/scim-proxy.rules.yml by `make rules`: edit that file, not this one.
# Your Prometheus must select this object: kube-prometheus-stack, for one, only loads PrometheusRules
# labelled `release: <its release name>` unless configured otherwise; add that label if yours does.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: scim-proxy
  namespace: scim-proxy
  labels:
    app.kubernetes.io/name: scim-proxy
spec:
"""


def render(rules_text: str) -> str:
    """The PrometheusRule manifest whose `spec` is `rules_text`, every line indented two spaces.

    Indenting every line alike keeps block scalars (`expr: |`) and comments intact; a document
    marker would end the manifest early, so the rules file may not contain one.
    """
    lines = rules_text.splitlines(keepends=True)
    if any(line.startswith(("---", "...", "%")) for line in lines):
        raise ValueError("the rules file must be one YAML document without markers or directives")
    return HEADER + "".join("  " + line if line.strip() else line for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the manifest is out of date")
    args = parser.parse_args(argv)
    wanted = render(RULES.read_text(encoding="utf-8"))
    if args.check:
        current = MANIFEST.read_text(encoding="utf-8") if MANIFEST.exists() else ""
        if current != wanted:
            print(f"{MANIFEST} is out of date: run `make rules`", file=sys.stderr)
            return 1
        return 0
    MANIFEST.write_text(wanted, encoding="utf-8")
    print(f"wrote {MANIFEST.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
