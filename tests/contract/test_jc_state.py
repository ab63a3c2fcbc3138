"""Register rows JC-60 to JC-66: `state`, `suspended` and activation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .ledger import Contract, one_of
from .support import Names, body_of, email_of, error_body, get_user, put_user

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]
CONFLICT = error_body(400, "Cannot save conflicting state and suspended fields")


def _state(resp: httpx.Response) -> tuple[int, str | None, bool | None]:
    body = body_of(resp)
    return resp.status_code, body.get("state"), body.get("suspended")


def test_jc_60_create_without_state_uses_org_default(jc: httpx.Client, names: Names, contract: Contract) -> None:
    """A create without `state` gets the org default (ACTIVATED or STAGED; the emulator's is ACTIVATED)."""
    username = names.user()

    resp = jc.post("/api/systemusers", json={"username": username, "email": email_of(username)})

    contract.relies(
        "a create without state is the org default, not suspended",
        (200, one_of("ACTIVATED", "STAGED"), False),
        _state(resp),
    )
    contract.observes(
        "the default (the emulator's; a real org's is its setting)", "ACTIVATED", body_of(resp).get("state")
    )


def test_jc_61_put_cannot_set_staged(jc: httpx.Client, names: Names, make_user: MakeUser, contract: Contract) -> None:
    """Create accepts STAGED, ACTIVATED and SUSPENDED; PUT accepts only ACTIVATED and SUSPENDED."""
    created = [make_user(state=state) for state in ("STAGED", "ACTIVATED", "SUSPENDED")]
    username = names.user()
    unknown = jc.post("/api/systemusers", json={"username": username, "email": email_of(username), "state": "DISABLED"})
    back_to_staged = put_user(jc, created[1]["_id"], {"state": "STAGED"})

    contract.relies(
        "create accepts each state; suspended follows it",
        [("STAGED", False), ("ACTIVATED", False), ("SUSPENDED", True)],
        [(u["state"], u["suspended"]) for u in created],
    )
    contract.relies(
        "an unknown state and PUT STAGED are refused", (400, 400), (unknown.status_code, back_to_staged.status_code)
    )
    contract.relies("and the user stays ACTIVATED", "ACTIVATED", get_user(jc, created[1]["_id"])["state"])
    contract.observes(
        "the refusal of an unknown state",
        error_body(400, "state must be one of STAGED, ACTIVATED, SUSPENDED"),
        body_of(unknown),
    )
    contract.observes(
        "the refusal of PUT STAGED",
        error_body(400, "state must be one of ACTIVATED, SUSPENDED"),
        body_of(back_to_staged),
    )


def test_jc_62_conflicting_state_and_suspended_is_rejected(
    jc: httpx.Client, names: Names, make_user: MakeUser, contract: Contract
) -> None:
    """A conflicting `state`/`suspended` pair is refused with 400 on create and PUT, and nothing is written."""
    username = names.user()
    on_create = jc.post(
        "/api/systemusers",
        json={"username": username, "email": email_of(username), "state": "ACTIVATED", "suspended": True},
    )
    user = make_user(state="ACTIVATED")
    on_put = put_user(jc, user["_id"], {"state": "SUSPENDED", "suspended": False, "jobTitle": "changed"})
    staged_pair = put_user(jc, user["_id"], {"state": "ACTIVATED", "suspended": True})
    after = get_user(jc, user["_id"])
    answers = (on_create, on_put, staged_pair)

    contract.relies("a conflicting pair is refused", [400] * 3, [r.status_code for r in answers])
    contract.relies(
        "and nothing is written", ("ACTIVATED", False, ""), (after["state"], after["suspended"], after["jobTitle"])
    )
    contract.observes("the refusal", [CONFLICT] * 3, [body_of(r) for r in answers])


def test_jc_63_suspended_true_alone_suspends(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """`suspended: true` alone suspends a user, from STAGED or ACTIVATED."""
    staged = make_user(state="STAGED")
    active = make_user(state="ACTIVATED")

    answers = [put_user(jc, user["_id"], {"suspended": True}) for user in (staged, active)]

    contract.relies(
        "STAGED and ACTIVATED users are suspended", [(200, "SUSPENDED", True)] * 2, [_state(r) for r in answers]
    )


def test_jc_64_suspended_false_alone_leaves_staged_user_staged(
    jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`suspended: false` alone reactivates a SUSPENDED user and leaves a STAGED or ACTIVATED one as it was."""
    staged = make_user(state="STAGED")
    suspended = make_user(state="SUSPENDED")
    active = make_user(state="ACTIVATED")

    answers = [put_user(jc, user["_id"], {"suspended": False}) for user in (staged, suspended, active)]

    contract.relies(
        "STAGED stays STAGED, SUSPENDED is reactivated, ACTIVATED stays",
        [(200, "STAGED", False), (200, "ACTIVATED", False), (200, "ACTIVATED", False)],
        [_state(r) for r in answers],
    )


def test_jc_65_put_state_activated_activates_staged_user(
    jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`PUT {"state": "ACTIVATED"}` activates a STAGED user."""
    staged = make_user(state="STAGED")

    resp = put_user(jc, staged["_id"], {"state": "ACTIVATED"})

    contract.relies("the answer is the activated user", (200, "ACTIVATED", False), _state(resp))
    contract.relies("and so is the stored one", "ACTIVATED", get_user(jc, staged["_id"])["state"])


def test_jc_66_activate_endpoint_activates_staged_user(
    jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`POST /systemusers/{id}/state/activate` moves a STAGED user to ACTIVATED with a 200."""
    staged = make_user(state="STAGED")

    resp = jc.post(f"/api/systemusers/{staged['_id']}/state/activate", json={"email": False})
    suspended = make_user(state="SUSPENDED")
    refused = jc.post(f"/api/systemusers/{suspended['_id']}/state/activate", json={"email": False})

    contract.relies("the activation answers 200", 200, resp.status_code)
    contract.relies("and activates", "ACTIVATED", get_user(jc, staged["_id"])["state"])
    contract.observes("the answer's body", {}, body_of(resp))
    contract.observes(
        "activating a suspended user",
        (400, error_body(400, "a suspended user cannot be activated")),
        (refused.status_code, body_of(refused)),
    )
