"""Every captured exchange checked against the spec: the proxy's requests, and every answer.

A request is the proxy's body (against the operation's body definition) and its query parameter
names (against the parameters the operation defines); an answer is any body the emulator sent,
against the definition the operation gives that status (or `Error` for an unlisted error status).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import attrs

from .swagger import Operation, Specs, findings, unknown_query
from .traffic import Exchange


@attrs.define
class Checked:
    """The figures and findings of one check."""

    requests: int = 0  # proxy requests checked (body and query)
    request_bodies: int = 0
    responses: int = 0  # answers with a body, checked
    findings: Counter[str] = attrs.Factory(Counter)  # finding -> exchanges that show it
    proxy_operations: set[str] = attrs.Factory(set)
    routes: set[str] = attrs.Factory(set)  # emulator routes that answered (set by the caller)
    unmatched: list[str] = attrs.Factory(list)  # requests no spec operation describes

    def summary(self) -> str:
        """One paragraph for the terminal."""
        outside = {
            direction: sorted(f for f in self.findings if f.startswith(direction))
            for direction in ("request", "response")
        }
        lines = [
            f"spec check: {self.requests} proxy requests ({self.request_bodies} with a body) and {self.responses} "
            f"emulator answers validated against JumpCloud's Swagger files; findings outside the spec: "
            f"{len(outside['request'])} in requests, {len(outside['response'])} in answers",
            *(f"  {finding} (x{self.findings[finding]})" for finding in [*outside["request"], *outside["response"]]),
        ]
        return "\n".join(lines)


def check_all(exchanges: Iterable[Exchange], specs: Specs | None = None) -> Checked:
    """Validate every exchange; see the module docstring for what is checked."""
    specs = specs or Specs()
    checked = Checked()
    for exchange in exchanges:
        operation = specs.operation(exchange.method, exchange.path)
        if operation is None:
            checked.unmatched.append(f"{exchange.method} {exchange.path}")
            continue
        if exchange.source == "proxy":
            checked.requests += 1
            checked.proxy_operations.add(operation.name)
            found = [f"request {line}" for line in unknown_query(operation, exchange.query)]
            if exchange.request_body is not None:
                checked.request_bodies += 1
                if operation.body is None:
                    found.append(f"request {operation.name} body: outside the spec (it defines none)")
                else:
                    lines = findings(operation.spec, operation.body, exchange.request_body, top=operation.name)
                    found += [f"request {line}" for line in lines]
            checked.findings.update(found)
        checked.findings.update(f"response {line}" for line in _answer_findings(operation, exchange))
        checked.responses += exchange.response_body is not None
    return checked


def _answer_findings(operation: Operation, exchange: Exchange) -> list[str]:
    listed = str(exchange.status) in operation.responses
    schema = operation.response_schema(exchange.status)
    if not listed and exchange.status < 400:
        return [f"{operation.name} {exchange.status}: a status the spec does not list"]
    if exchange.response_body is None:
        return []
    if schema is None:
        return [f"{operation.name} {exchange.status}: a body the spec does not describe"]
    return findings(operation.spec, schema, exchange.response_body, top=f"{operation.name} {exchange.status}")
