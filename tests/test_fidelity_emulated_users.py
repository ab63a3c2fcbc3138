"""/Users through the proxy to the JumpCloud emulator reproducing JumpCloud's documented quirks (issue 12)."""

from __future__ import annotations

from devtools.emulator import EmulatorConfig, Quirks

from .emulated import emulated
from .helpers import patch_op

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
UNKNOWN_ID = "0123456789abcdef01234567"


def _user(name: str, **extra: object) -> dict[str, object]:
    return {"schemas": [CORE, ENT], "userName": name, "emails": [{"value": f"{name}@contoso.com"}], **extra}


async def test_users_without_employee_number_never_collide_on_empty_identifier() -> None:
    """Two SCIM PUTs without employeeNumber, and a remove of one, all succeed where "" would collide (JC-36)."""
    async with emulated() as stack:
        ids = [
            (await stack.scim.post("/Users", json=_user(n, **{ENT: {"employeeNumber": f"E{n}"}}))).json()["id"]
            for n in "ab"
        ]

        puts = [
            await stack.scim.put(f"/Users/{uid}", json=_user(n, title="T")) for uid, n in zip(ids, "ab", strict=True)
        ]
        again = await stack.scim.put(f"/Users/{ids[0]}", json=_user("a"))
        removed = await stack.scim.patch(
            f"/Users/{ids[1]}", json=patch_op({"op": "Remove", "path": f"{ENT}:employeeNumber"})
        )

        assert [200, 200, 200, 200] == [r.status_code for r in (*puts, again, removed)]
        sent = [s.body["employeeIdentifier"] for s in stack.sent if s.method == "PUT"]
        assert [None, None, None, None] == sent
        assert [None, None] == [u["employeeIdentifier"] for u in stack.emulator.users()]


async def test_unknown_ids_answered_200_with_no_body_are_404() -> None:
    """With JumpCloud answering 200 and no body for an unknown id, GET, PATCH and PUT answer 404 (JC-52)."""
    async with emulated(EmulatorConfig(quirks=Quirks(empty_body_for_unknown_id=True))) as stack:
        read = await stack.scim.get(f"/Users/{UNKNOWN_ID}")
        patched = await stack.scim.patch(
            f"/Users/{UNKNOWN_ID}", json=patch_op({"op": "replace", "path": "title", "value": "T"})
        )
        put = await stack.scim.put(f"/Users/{UNKNOWN_ID}", json=_user("ghost"))
        group = await stack.scim.get(f"/Groups/{UNKNOWN_ID}")

        assert [404, 404, 404, 404] == [r.status_code for r in (read, patched, put, group)]
        assert [] == stack.emulator.users()


async def test_renaming_a_user_in_a_group_is_400_mutability_either_way() -> None:
    """A refused or a silently dropped rename of a group member is 400 mutability; a user in no group is renamed."""
    for mode, title in (("refused", ""), ("ignored", "Lead")):
        async with emulated(EmulatorConfig(quirks=Quirks(bound_username_change=mode))) as stack:  # type: ignore[arg-type]
            member = stack.emulator.create_user({"username": "jdoe", "email": "jdoe@contoso.com"})
            loner = stack.emulator.create_user({"username": "solo", "email": "solo@contoso.com"})
            group = stack.emulator.create_group({"name": "Laptops"})
            stack.emulator.add_member(group["id"], member["_id"])
            rename = patch_op(
                {"op": "Replace", "path": "userName", "value": "jane"},
                {"op": "Replace", "path": "title", "value": "Lead"},
            )

            refused = await stack.scim.patch(f"/Users/{member['_id']}", json=rename)
            allowed = await stack.scim.patch(f"/Users/{loner['_id']}", json=rename)

            assert (400, "mutability") == (refused.status_code, refused.json()["scimType"]), mode
            assert "userName cannot be changed to 'jane'" in refused.json()["detail"]
            assert (200, "jane") == (allowed.status_code, allowed.json()["userName"])
            held = {u["_id"]: (u["username"], u["jobTitle"]) for u in stack.emulator.users()}
            assert ("jdoe", title) == held[member["_id"]]


async def test_value_filtered_manager_remove_clears_only_that_manager() -> None:
    """Entra's remove of manager[value eq id] clears the manager when it is that id and leaves another (JC-45)."""
    async with emulated() as stack:
        boss = stack.emulator.create_user({"username": "boss", "email": "boss@contoso.com"})["_id"]
        other = stack.emulator.create_user({"username": "other", "email": "other@contoso.com"})["_id"]
        managed = stack.emulator.create_user({"username": "a", "email": "a@contoso.com", "manager": boss})["_id"]
        kept = stack.emulator.create_user({"username": "b", "email": "b@contoso.com", "manager": other})["_id"]
        remove = patch_op({"op": "remove", "path": f'{ENT}:manager[value eq "{boss}"]'})

        answers = [await stack.scim.patch(f"/Users/{uid}", json=remove) for uid in (managed, kept)]

        assert [200, 200] == [r.status_code for r in answers]
        assert [None, {"value": other, "$ref": f"http://proxy.test/scim/v2/Users/{other}"}] == [
            r.json().get(ENT, {}).get("manager") for r in answers
        ]
        assert [{"manager": None}] == [s.body for s in stack.sent if s.method == "PUT"]
        assert {managed: None, kept: other} == {
            u["_id"]: u["manager"] for u in stack.emulator.users() if u["_id"] in (managed, kept)
        }


async def test_paging_users_with_unstable_unsorted_order_sees_each_once() -> None:
    """With JumpCloud's unsorted order changing per call, GET /Users pages (sort=_id) list everyone once (JC-11)."""
    async with emulated() as stack:
        names = [f"u{i:02d}" for i in range(23)]
        for name in names:
            stack.emulator.create_user({"username": name, "email": f"{name}@contoso.com"})

        seen: list[str] = []
        for start in range(1, 24, 5):
            page = await stack.scim.get("/Users", params={"startIndex": str(start), "count": "5"})
            seen += [r["userName"] for r in page.json()["Resources"]]

        assert names == seen
        assert {"_id"} == {s.params["sort"] for s in stack.calls("GET", "/api/systemusers")}
