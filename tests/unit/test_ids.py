"""scim_proxy.ids: which of JumpCloud's username conventions the proxy enforces before any call (register JC-107)."""

from __future__ import annotations

import pytest

from scim_proxy.ids import is_valid_username


@pytest.mark.parametrize(
    "name",
    [
        "jdoe",
        "first.last",
        "j_doe-2",
        "1jdoe",  # KB-NAMES: "start with a letter" is a device rule; the API takes it (JC-34)
        "a" * 21,  # longer than Windows' 20 characters
        "a" * 31,  # longer than macOS and Linux's 30
        "a" * 1024,  # the API's own limit (the length check itself is the table's max_length)
        "JDoe",  # case is kept: devices tell 'user' from 'USER'
    ],
)
def test_device_only_conventions_are_not_enforced(name: str) -> None:
    """Usernames the API accepts but some devices would refuse (digit first, over 20 or 30 characters) pass."""
    assert is_valid_username(name)


@pytest.mark.parametrize(
    "name",
    ["", "j doe", "jdoe@contoso.com", "@jdoe", "_jdoe", ".jdoe", "-jdoe", "j+doe", "j'doe", "jöe", "jdoe\n", "j\tdoe"],
)
def test_spaces_at_signs_and_special_characters_are_refused(name: str) -> None:
    """No spaces, no '@', only letters, digits, '.', '_' and '-', starting with a letter or digit."""
    assert not is_valid_username(name)
