"""Settings of the JumpCloud emulator: keys, tenants, the org default state and fault rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Literal

import attrs

from devtools.emulator.wording import WORDINGS, Wording

DEFAULT_API_KEY = "test-api-key"  # the emulator's well-known test key, not a secret
DEFAULT_ORG_ID = "5f0c0ffee0c0ffee0c0ffee0"
FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})

DropMode = Literal["before", "after"]
BoundRename = Literal["applied", "refused", "ignored"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _upper_or_none(method: str | None) -> str | None:
    return method.upper() if method is not None else None


def _rule_tuple(rules: Iterable[FaultRule]) -> tuple[FaultRule, ...]:
    return tuple(rules)


def _key_set(keys: Iterable[str]) -> frozenset[str]:
    return frozenset(keys)


def _check_duplicate(_: object, __: attrs.Attribute[tuple[int, str]], value: tuple[int, str]) -> None:
    if value[0] not in (400, 409):
        raise ValueError(f"a duplicate user is answered 400 or 409, not {value[0]}")


def _check_rate(_: object, __: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"rate must be within 0..1, got {value}")


@attrs.frozen(kw_only=True)
class FaultRule:
    """One way to misbehave: when a request matches, it fires with probability `rate`.

    A request matches when every selector that is set matches: `route` is a route name
    (see `ROUTE_NAMES` in `devtools.emulator`), `method` an HTTP method, `path_prefix`
    the start of the URL path. A firing rule first waits `latency` seconds, then answers
    `status` (with `Retry-After: retry_after` when set) or drops the connection (`drop`),
    or, with neither, lets the request through late.
    """

    route: str | None = None
    method: str | None = attrs.field(default=None, converter=_upper_or_none)
    path_prefix: str | None = None
    rate: float = attrs.field(default=1.0, validator=_check_rate)
    status: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(FAULT_STATUSES))
    )
    retry_after: int | None = None
    latency: float = 0.0
    drop: DropMode | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(("before", "after")))
    )

    def __attrs_post_init__(self) -> None:
        if self.status is not None and self.drop is not None:
            raise ValueError("a fault rule either answers a status or drops the connection, not both")

    def matches(self, *, method: str, path: str, route_name: str | None) -> bool:
        """Whether this rule applies to the request (its probability is drawn elsewhere)."""
        return (
            (self.route is None or self.route == route_name)
            and (self.method is None or self.method == method.upper())
            and (self.path_prefix is None or path.startswith(self.path_prefix))
        )


@attrs.frozen(kw_only=True)
class Faults:
    """Fault rules, tried in order (the first that fires wins), drawn from `random.Random(seed)`."""

    rules: tuple[FaultRule, ...] = attrs.field(default=(), converter=_rule_tuple)
    seed: int = 0


NO_FAULTS = Faults()


@attrs.frozen(kw_only=True)
class Quirks:
    """JumpCloud behaviours the sources point to but no run against a real org has settled; one switch each.

    The defaults are what the sources suggest (docs/jumpcloud-assumptions.md, the row in brackets):
    - `empty_identifier_collides` [JC-36]: an `employeeIdentifier` of "" is a value like any other,
      so a second user with "" is "User already exists"; only null (or absent) never collides.
    - `empty_body_for_unknown_id` [JC-52]: GET and PUT of an unknown, well-formed user or group id
      answer 200 with an empty body instead of 404 (off by default: JC-30 says 404).
    - `bound_username_change` [JC-53]: a PUT that changes the username of a user who belongs to a
      user group (the emulator's stand-in for "bound to resources") is "applied", "refused" (400)
      or "ignored" (200, the username unchanged).
    - `v2_filter_metacharacters` [JC-82]: a v2 `filter` value is split on ',' (the spec's default
      csv format for the array parameter) and '*' in an `eq`/`ne` value matches any run of characters.
    - `unstable_order_without_sort` [JC-11]: a user list, user search or group list without `sort`
      comes back in an order that changes from one request to the next, so paging without
      `sort=_id` misses or repeats records.
    """

    empty_identifier_collides: bool = True
    empty_body_for_unknown_id: bool = False
    bound_username_change: BoundRename = attrs.field(
        default="refused", validator=attrs.validators.in_(("applied", "refused", "ignored"))
    )
    v2_filter_metacharacters: bool = True
    unstable_order_without_sort: bool = True


DEFAULT_QUIRKS = Quirks()


@attrs.frozen(kw_only=True)
class EmulatorConfig:
    """What the emulated JumpCloud account looks like.

    - `api_keys`: single-tenant admin keys; they act on `default_org_id`, `x-org-id` is ignored.
    - `tenants`: multi-tenant (MSP) keys -> the org ids they administer; such a key must send
      `x-org-id` naming one of them. Each org has its own users and groups.
    - `default_state`: the org setting `newSystemUserStateDefaults.manualEntry`.
    - `duplicate_user`: the (status, message) of a create or PUT repeating a unique value: the
      spec's 400 "User already exists" by default, 409 as in JumpCloud's Go CLI test mocks, any
      message (the proxy must not depend on the words; register JC-35, JC-98).
    - `clock`: the source of `created` timestamps and ObjectId times (inject for determinism).
    - `wording`: how error bodies are worded: `register` (docs/jumpcloud-assumptions.md) or
      `alternative` (a second stand-in's; see `devtools.emulator.wording`).
    - `quirks`: the unconfirmed JumpCloud behaviours to reproduce (see `Quirks`); tests may swap
      them at run time through `EmulatorState.quirks`.
    """

    api_keys: frozenset[str] = attrs.field(default=frozenset({DEFAULT_API_KEY}), converter=_key_set)
    tenants: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    default_org_id: str = DEFAULT_ORG_ID
    default_state: Literal["ACTIVATED", "STAGED"] = attrs.field(
        default="ACTIVATED", validator=attrs.validators.in_(("ACTIVATED", "STAGED"))
    )
    duplicate_user: tuple[int, str] = attrs.field(default=(400, "User already exists"), validator=_check_duplicate)
    faults: Faults = NO_FAULTS
    clock: Callable[[], datetime] = _utc_now
    wording: Wording = attrs.field(default="register", validator=attrs.validators.in_(WORDINGS))
    quirks: Quirks = DEFAULT_QUIRKS
