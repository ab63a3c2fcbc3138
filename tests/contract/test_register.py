"""The assumption register and the contract suite name the same tests."""

from __future__ import annotations

import re
from pathlib import Path

from .register import register_rows

HERE = Path(__file__).parent
REGISTER = HERE.parents[1] / "docs" / "jumpcloud-assumptions.md"
ROW = re.compile(r"^\| (JC-\d+) \|.*\|([^|]*)\|\s*$", re.MULTILINE)
TEST_NAME = re.compile(r"`(test_jc_\d+_\w+)`")
DEFINED = re.compile(r"^(?:async )?def (test_jc_\d+_\w+)\(", re.MULTILINE)


def test_every_register_row_names_an_existing_test() -> None:
    """Each row names a contract test that exists, with its number, or says which proxy test covers it."""
    defined = {name for path in HERE.glob("test_jc_*.py") for name in DEFINED.findall(path.read_text())}
    rows = ROW.findall(REGISTER.read_text())

    assert len(rows) > 60
    assert [row_id for row_id, _ in rows] == list(register_rows()), "a row without six cells: escape `|` as `\\|`"
    for row_id, cell in rows:
        named = TEST_NAME.findall(cell)
        if not named:
            assert "No contract test" in cell and "tests/" in cell, f"{row_id} names no test"
        for name in named:
            assert name in defined, f"{row_id} names {name}, which tests/contract does not define"
            assert name.startswith(f"test_jc_{row_id[3:]}_"), f"{row_id} names {name}"
    named_anywhere = {name for _, cell in rows for name in TEST_NAME.findall(cell)}
    assert set() == defined - named_anywhere
