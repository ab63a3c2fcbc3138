"""The wheel and the architecture: what ships, what imports what, how big modules grow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / ".tools" / "bin" / "uv"
DEV_ONLY = ("devtools/", "emulator", "entra_sim", "demo", "servers")


def _uv() -> str:
    found = str(UV) if UV.exists() else shutil.which("uv")
    assert found is not None, "uv is not installed: `make install` puts it in .tools/bin"
    return found


@pytest.fixture(name="wheel", scope="module")
def _wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `uv build` makes from this checkout, built offline from uv's cache."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([_uv(), "build", "--wheel", "--offline", "-q", "-o", str(out)], cwd=ROOT, check=True, timeout=120)
    (wheel,) = out.glob("*.whl")
    return wheel


def test_wheel_holds_the_product_only(wheel: Path) -> None:
    """The wheel carries scim_proxy's layers and none of the emulator, simulator, demo or test servers."""
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[1] for name in names if name.startswith("scim_proxy/") and name.count("/") == 2}

    assert {"scim", "translate", "jumpcloud", "provision", "web", "ops"} <= packages
    assert [] == [name for name in names if any(part in name for part in DEV_ONLY)]


def test_testing_helpers_import_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    """`pip install scim-proxy[testing]` is enough for `import scim_proxy.testing` (the replay fixture):
    installed from the lock with only the `testing` extra (no dev tools), then the wheel itself."""
    venv = tmp_path / "venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    sync = [_uv(), "sync", "-q", "--locked", "--offline", "--no-dev", "--no-install-project", "--extra", "testing"]
    subprocess.run([*sync, "--python", sys.executable], cwd=ROOT, env=env, check=True, timeout=300)
    python = venv / "bin" / "python"
    install = [_uv(), "pip", "install", "-q", "--offline", "--no-deps", "--python", str(python), str(wheel)]
    subprocess.run(install, check=True, timeout=120)
    probe = "import scim_proxy.testing as t; print(callable(t.replay), t.__file__)"
    result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path)

    assert 0 == result.returncode, result.stderr
    printed_callable, location = result.stdout.split()
    assert "True" == printed_callable
    assert str(venv) in location  # imported from the installed wheel, not this checkout


def test_import_contracts_hold() -> None:
    """The import contracts of pyproject.toml (pure folders, one HTTP layer, the layers) are kept."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert 0 == result.returncode, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_modules_stay_small() -> None:
    """Every module of the product and the dev tools stays under 300 lines (STYLE.md: split by idea)."""
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for folder in ("scim_proxy", "devtools")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {} == {path: lines for path, lines in sizes.items() if lines > 300}


def test_tracing_extra_is_what_tracing_needs(wheel: Path, tmp_path: Path) -> None:
    """Installed as the image does (the lock, no dev tools): OTEL_* variables without the `tracing` extra log
    tracing_unavailable and the proxy goes on; with the extra they start an OTLP tracer."""
    venv = tmp_path / "venv"
    sync = [_uv(), "sync", "-q", "--locked", "--offline", "--no-dev", "--no-install-project", "--inexact"]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    python = venv / "bin" / "python"
    probe = (
        "from structlog.testing import capture_logs\n"
        "from scim_proxy.settings import Settings\n"
        "from scim_proxy.web.tracing import start_tracing\n"
        "with capture_logs() as events:\n"
        "    tracing = start_tracing(Settings.from_env({'OTEL_EXPORTER_OTLP_ENDPOINT': 'http://127.0.0.1:9'}))\n"
        "if tracing is not None:\n"
        "    tracing.shutdown()\n"
        "print(events[0]['event'])\n"
    )
    seen = []
    for extras in ([], ["--extra", "tracing"]):
        subprocess.run([*sync, "--python", sys.executable, *extras], cwd=ROOT, env=env, check=True, timeout=300)
        install = [_uv(), "pip", "install", "-q", "--offline", "--no-deps", "--python", str(python), str(wheel)]
        subprocess.run(install, check=True, timeout=120)
        result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert 0 == result.returncode, result.stderr
        seen.append(result.stdout.strip())

    assert ["tracing_unavailable", "tracing_on"] == seen
