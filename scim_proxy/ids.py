"""The one rule for JumpCloud ids, usernames and email addresses.

A JumpCloud id (users, groups, orgs) is a MongoDB ObjectId: 24 hexadecimal characters.
JumpCloud writes them lower-case; we accept any case and always use the lower-case form,
so `GET /Users/<ID>` and a manager `"64B0…"` are treated alike. No regular expressions:
`$` would also match before a final newline ("<id>\\n" must not pass), and adjacent
quantifiers (`[^@]+\\.[^@]+`) backtrack quadratically on hostile input; these checks are linear.
"""

from __future__ import annotations

_HEX = frozenset("0123456789abcdefABCDEF")
_USERNAME_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_USERNAME_REST = _USERNAME_FIRST | frozenset("._-")


def object_id(value: object) -> str | None:
    """The JumpCloud id `value` names, lower-cased; None if it cannot be one."""
    if isinstance(value, str) and len(value) == 24 and _HEX.issuperset(value):
        return value.lower()
    return None


def is_object_id(value: object) -> bool:
    return object_id(value) is not None


def local_part(value: str) -> str:
    """The part of an email-shaped userName before '@' (the whole value if there is none)."""
    return value.split("@", 1)[0]


def is_valid_username(value: str) -> bool:
    """JumpCloud's username characters: letters, digits, '.', '_', '-', starting with a letter or digit.

    Of JumpCloud's naming conventions (KB "Naming Conventions for Users") this enforces what
    holds wherever the user signs in: no spaces, no '@', no special characters. Its device
    rules (start with a letter; at most 30 characters on macOS and Linux, 20 on Windows) are
    not enforced: the API accepts such names, and an org that uses JumpCloud for SSO only
    would have users refused for devices they never log in to (register row JC-107).
    """
    return bool(value) and value[0] in _USERNAME_FIRST and _USERNAME_REST.issuperset(value)


def is_email(value: str) -> bool:
    """A well-formed address for JumpCloud: `local@domain.tld`, one '@', a dot inside the domain, no whitespace."""
    local, at, domain = value.partition("@")
    if not at or not local or "@" in domain or any(c.isspace() for c in value):
        return False
    return domain.find(".", 1, len(domain) - 1) >= 0
