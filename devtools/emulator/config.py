"""Settings of the JumpCloud emulator: keys, tenants, the org default state and fault rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Literal

import attrs

DEFAULT_API_KEY = "test-api-key"  # the emulator's well-known test key, not a secret
DEFAULT_ORG_ID = "5f0c0ffee0c0ffee0c0ffee0"
USER_STATES = ("STAGED", "ACTIVATED", "SUSPENDED")
FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})

DropMode = Literal["before", "after"]


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
