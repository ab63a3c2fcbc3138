"""Settings: environment, flags, region shortcuts, validation, and the README table that documents them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scim_proxy.__main__ import build_parser, main, settings_from_args
from scim_proxy.settings import Settings, setting_fields

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_table_matches_the_settings_in_code() -> None:
    """Every setting appears in the README table with its variable, flag and default, and nothing else does."""
    rows = re.findall(r"^\| `(SCIM_PROXY_\w+)` \| `(--[\w-]+)` \| `([^`]*)` \|", README.read_text(), re.MULTILINE)
    expected = []
    for field in setting_fields():
        flag = "--record" if field.name == "record_path" else field.metadata["flag"]
        default = str(field.default).lower() if isinstance(field.default, bool) else str(field.default)
        expected.append((field.metadata["env"], flag, default))

    assert expected == rows


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("eu", "https://console.eu.jumpcloud.com"),
        ("IN", "https://console.in.jumpcloud.com"),
        ("us", "https://console.jumpcloud.com"),
        ("http://127.0.0.1:8090/", "http://127.0.0.1:8090"),
    ],
)
def test_region_shortcuts_and_urls(value: str, url: str) -> None:
    """A region shortcut or a URL (trailing slash dropped) sets the JumpCloud URL."""
    assert url == Settings.from_env({"SCIM_PROXY_JUMPCLOUD_URL": value}).jumpcloud_url


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("SCIM_PROXY_JUMPCLOUD_URL", "console.jumpcloud.com"),
        ("SCIM_PROXY_PORT", "eighty"),
        ("SCIM_PROXY_LOG_FORMAT", "xml"),
        ("SCIM_PROXY_GROUPS_ENABLED", "maybe"),
        ("SCIM_PROXY_PUBLIC_URL", "scim.example.com"),
        ("SCIM_PROXY_PUBLIC_URL", "https://scim.example.com/?x=1"),
        ("SCIM_PROXY_PUBLIC_URL", "https://user@scim.example.com"),
        ("SCIM_PROXY_HEADER_TIMEOUT", "0"),
        ("SCIM_PROXY_MAX_CONNECTIONS", "-1"),
    ],
)
def test_bad_values_are_refused(env: str, value: str) -> None:
    """A setting that cannot be what it says is refused at start-up, not at the first request."""
    with pytest.raises((ValueError, TypeError)):
        Settings.from_env({env: value})


def test_flags_win_over_environment() -> None:
    """A CLI flag overrides its environment variable; unset flags leave the environment's value."""
    args = build_parser().parse_args(["serve", "--port", "9001", "--username-from-email", "true"])

    settings = settings_from_args(args, {"SCIM_PROXY_PORT": "7000", "SCIM_PROXY_LOG_FORMAT": "console"})

    assert (9001, True, "console") == (settings.port, settings.username_from_email, settings.log_format)


def test_public_url_loses_its_trailing_slash() -> None:
    """SCIM_PROXY_PUBLIC_URL may carry a path prefix; a trailing slash is dropped so URLs join cleanly."""
    assert (
        "https://scim.example.com/jc"
        == Settings.from_env({"SCIM_PROXY_PUBLIC_URL": " https://scim.example.com/jc/ "}).public_url
    )


@pytest.mark.parametrize(
    ("argv", "env", "said"),
    [
        (["serve"], {"SCIM_PROXY_LOG_FORMAT": "xml"}, "'log_format' must be in ('json', 'console')"),
        (["check", "--jumpcloud-url", "console.jumpcloud.com"], {}, "JumpCloud URL must start with http://"),
        (["check"], {"SCIM_PROXY_HEADER_TIMEOUT": "0"}, "SCIM_PROXY_HEADER_TIMEOUT must be greater than 0"),
    ],
)
def test_the_cli_refuses_a_bad_setting_before_anything_runs(
    argv: list[str], env: dict[str, str], said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve` and `check` exit 2 on a setting that cannot be, saying why on stderr, before serving or calling."""
    monkeypatch.delenv("JUMPCLOUD_API_KEY", raising=False)  # nothing to call JumpCloud with, were it to get that far
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: pytest.fail("served despite a bad setting"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert 2 == main(argv)
    assert capsys.readouterr().err.startswith(f"scim-proxy: invalid setting: {said}")
