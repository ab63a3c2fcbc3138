"""JumpCloud's JSON answers read into our models; one error for anything we cannot read.

The cattrs converter is built by `make_jc_converter()` (rules in `configure_jc_converter`);
every decoding failure becomes `UpstreamUnavailable("JumpCloud sent an answer we could not
read")`, raised from the original error, in `unreadable()` and nowhere else.

A by-id call (GET or PUT of one user or group) that answers 2xx with nothing in it means "no
such object" (`found_record`): a JumpCloud terraform provider notes that a GET of a missing user
"returns 200 even if the resource does not exist" (CognotektGmbH/terraform-provider-jumpcloud,
`jumpcloud/resource_user.go`), and the v1 spec lists no 404 for `/systemusers/{id}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn, Protocol, TypeVar

import attrs
import cattrs
import msgspec
from cattrs.gen import make_dict_structure_fn, override

from scim_proxy.errors import NotFound, UpstreamUnavailable
from scim_proxy.jumpcloud.models import GroupPage, JcGroup, JcPage, JcUser

_T = TypeVar("_T")
_JSON = msgspec.json.Decoder()


class Answer(Protocol):
    """What we read of a JumpCloud response (an httpx.Response)."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...

    def json(self) -> Any: ...


def unreadable(cause: Exception | None = None) -> NoReturn:
    raise UpstreamUnavailable("JumpCloud sent an answer we could not read") from cause


def make_jc_converter() -> cattrs.Converter:
    """Build the converter for JumpCloud JSON (rules in configure_jc_converter)."""
    converter = cattrs.Converter()
    configure_jc_converter(converter)
    return converter


def configure_jc_converter(converter: cattrs.Converter) -> None:
    """Register our JumpCloud wire rules on `converter`.

    - `totalCount` maps to snake_case;
    - `id` falls back to `_id` (the HAR shows both; only `_id` is in every spec);
    - the whole record is kept in `JcUser.fields`, which the attribute table reads;
    - a `null` or non-string where we expect a string reads as "not set", never a crash.
    """
    converter.register_structure_hook(str, _string)
    converter.register_structure_hook(str | None, _optional_string)
    converter.register_structure_hook(bool, _strict_bool)
    user_hook = make_dict_structure_fn(JcUser, converter, fields=override(omit=True))

    def structure_user(data: Any, _: type) -> JcUser:
        if not isinstance(data, dict):
            raise TypeError("a JumpCloud user must be an object")
        if "id" not in data and "_id" in data:
            data = {**data, "id": data["_id"]}
        return attrs.evolve(user_hook(data, JcUser), fields=data)

    converter.register_structure_hook(JcUser, structure_user)
    converter.register_structure_hook(
        JcPage, make_dict_structure_fn(JcPage, converter, total_count=override(rename="totalCount"))
    )


def _string(value: Any, _: Any) -> str:
    return value if isinstance(value, str) else ""


def _optional_string(value: Any, _: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strict_bool(value: Any, _: type) -> bool:
    return value is True


class Decoder:
    """Reads JumpCloud answers; one converter per client, built once."""

    def __init__(self) -> None:
        self._converter = make_jc_converter()

    def user(self, response: Answer) -> JcUser:
        return self._structure(json_of(response), JcUser)

    def found_user(self, response: Answer, *, operation: str) -> JcUser:
        """The user a by-id call answered with; NotFound when the 2xx answer holds no user."""
        return self._structure(found_record(response, operation=operation), JcUser)

    def page(self, response: Answer) -> JcPage:
        return self._structure(json_of(response), JcPage)

    def _structure(self, data: Any, cls: type[_T]) -> _T:
        try:
            return self._converter.structure(data, cls)
        except (ValueError, TypeError, KeyError, cattrs.BaseValidationError) as exc:
            unreadable(exc)


def json_of(response: Answer) -> Any:
    """The answer's JSON value, as `json` reads it (msgspec reads the usual answer at a third of
    the cost; what it refuses, such as a lone surrogate JumpCloud stored, goes through `json`)."""
    try:
        return _JSON.decode(response.content)
    except msgspec.MsgspecError:
        pass
    try:
        return response.json()
    except ValueError as exc:
        unreadable(exc)


def found_record(response: Answer, *, operation: str) -> Mapping[str, Any]:
    """The object a by-id call answered with; NotFound for an empty body or JSON that is no record.

    "No record": `null`, `{}`, an array, a scalar, or an object without a string `_id` or `id`.
    A body that is not JSON at all stays unreadable (502): that is rather a proxy's or an
    outage page than JumpCloud saying the object does not exist.
    """
    if not response.content.strip():
        raise NotFound(f"Not found in JumpCloud ({operation}: an empty answer)")
    data = json_of(response)
    if not isinstance(data, Mapping) or not any(isinstance(data.get(key), str) and data[key] for key in ("_id", "id")):
        raise NotFound(f"Not found in JumpCloud ({operation}: an answer without an object)")
    return data


def array_of(response: Answer) -> list[Any]:
    data = json_of(response)
    if not isinstance(data, list):
        unreadable()
    return data


def group(data: Any) -> JcGroup:
    """Read a JumpCloud UserGroup body."""
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str) or not isinstance(data.get("name"), str):
        unreadable()
    description = data.get("description")
    return JcGroup(
        id=data["id"],
        name=data["name"],
        description=description if isinstance(description, str) else "",
        raw=dict(data),
    )


def group_page(response: Answer) -> GroupPage:
    """GET /usergroups: a bare JSON array plus `x-total-count`."""
    return GroupPage(total=total_count(response), groups=tuple(group(item) for item in array_of(response)))


def total_count(response: Answer) -> int | None:
    value = response.headers.get("x-total-count", "")
    return int(value) if value.isdigit() else None


def user_member_ids(items: list[Any]) -> list[str]:
    """The user ids of a /members page (GraphConnection objects); other member types are skipped."""
    ids: list[str] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("to"), dict) and item["to"].get("type") == "user":
            member = item["to"].get("id")
            if not isinstance(member, str):
                unreadable()
            ids.append(member)
    return ids
