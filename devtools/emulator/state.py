"""The emulator's live state (`app.state.emulator`): org stores, request and fault counters, faults.

Tests and benchmarks call its helpers directly, possibly from another thread than the server's,
so every access to the stores goes through `lock` (held briefly, never across an await).
"""

from __future__ import annotations

import copy
import random
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from devtools.emulator.config import EmulatorConfig, FaultRule, Faults, Quirks
from devtools.emulator.store import ObjectIds, OrgStore


class EmulatorState:
    """Everything one emulator app holds in memory."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.requests: Counter[tuple[str, str]] = Counter()  # (method, route template) -> calls
        self.route_calls: Counter[str] = Counter()  # route name -> calls
        self.fault_counts: Counter[str] = Counter()  # latency, status_429, drop_before, ...
        self._orgs: dict[str, OrgStore] = {}
        self._new_id = ObjectIds(config.clock)
        self._faults = config.faults
        self._random = random.Random(config.faults.seed)  # noqa: S311 -- reproducible chaos, not crypto
        self.quirks: Quirks = config.quirks  # read on every request: a test may swap them at run time
        self._unsorted_requests = 0

    @property
    def faults(self) -> Faults:
        """The active fault rules; assigning new ones also restarts the random sequence from their seed."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self.lock:
            self._faults = faults
            self._random = random.Random(faults.seed)  # noqa: S311 -- reproducible chaos, not crypto

    def unsorted_order_seed(self) -> int:
        """A new seed for each unsorted listing, so successive pages see different orders (Quirks)."""
        with self.lock:
            self._unsorted_requests += 1
            return self._unsorted_requests

    def org(self, org_id: str | None = None) -> OrgStore:
        """The store of `org_id` (default: the single-tenant org), created empty on first use."""
        org_id = org_id or self.config.default_org_id
        with self.lock:
            if org_id not in self._orgs:
                self._orgs[org_id] = OrgStore(
                    org_id=org_id,
                    default_state=self.config.default_state,
                    new_id=self._new_id,
                    clock=self.config.clock,
                    quirks=lambda: self.quirks,
                )
            return self._orgs[org_id]

    def users(self, org: str | None = None) -> list[dict[str, Any]]:
        """Copies of every user of the org, in creation order, as GET would return them."""
        with self.lock:
            return copy.deepcopy(list(self.org(org).users.values()))

    def groups(self, org: str | None = None) -> list[dict[str, Any]]:
        """Copies of every user group of the org, in creation order."""
        with self.lock:
            return copy.deepcopy(list(self.org(org).groups.values()))

    def members(self, group_id: str, org: str | None = None) -> list[str]:
        """User ids in a group, in the order they were added."""
        with self.lock:
            return list(self.org(org).members[group_id])

    def create_user(self, body: Mapping[str, Any], org: str | None = None) -> dict[str, Any]:
        """Seed a user with the same validation as `POST /api/systemusers`; raises JcError."""
        with self.lock:
            return self.org(org).create_user(body)

    def create_group(self, body: Mapping[str, Any], org: str | None = None) -> dict[str, Any]:
        """Seed a user group with the same validation as `POST /api/v2/usergroups`."""
        with self.lock:
            return self.org(org).create_group(body)

    def add_member(self, group_id: str, user_id: str, org: str | None = None) -> None:
        """Seed a membership, as `POST /api/v2/usergroups/{id}/members` with op add."""
        with self.lock:
            self.org(org).change_member(group_id, op="add", user_id=user_id)

    def calls(self, route_name: str) -> int:
        """How many requests reached the named route (faulted ones included)."""
        with self.lock:
            return self.route_calls[route_name]

    def reset(self) -> None:
        """Forget every org's data and every counter; fault rules and quirks stay, the random sequences restart."""
        with self.lock:
            self._orgs.clear()
            self.requests.clear()
            self.route_calls.clear()
            self.fault_counts.clear()
            self._unsorted_requests = 0
            self._random = random.Random(self._faults.seed)  # noqa: S311 -- reproducible chaos, not crypto

    def record_request(self, *, method: str, template: str, route_name: str | None) -> None:
        """Count one incoming request."""
        with self.lock:
            self.requests[(method, template)] += 1
            if route_name is not None:
                self.route_calls[route_name] += 1

    def pick_fault(self, *, method: str, path: str, route_name: str | None) -> FaultRule | None:
        """The first matching rule whose draw falls under its rate; each matching rule draws once."""
        with self.lock:
            for rule in self._faults.rules:
                if rule.matches(method=method, path=path, route_name=route_name) and self._random.random() < rule.rate:
                    return rule
            return None

    def count_fault(self, kind: str) -> None:
        """Count one injected fault of `kind`."""
        with self.lock:
            self.fault_counts[kind] += 1
