"""The assumption register (docs/jumpcloud-assumptions.md) read as data: its rows and its spec exceptions.

Rows are the `| JC-nn | Assumption | Source | Status | Emulator does | Contract test |` table lines;
a `|` inside a cell is written `\\|`, as GitHub's tables want it. The "Outside the published spec"
table lists what the proxy sends or the emulator answers that JumpCloud's Swagger files do not
define, each with the row that explains it; `tests/spec` reads its allow-list from there.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

REGISTER = Path(__file__).parents[2] / "docs" / "jumpcloud-assumptions.md"
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
_ROW_ID = re.compile(r"^JC-\d{2,3}$")
_SPEC_ID = re.compile(r"^SPEC-\d{2}$")
_CODE = re.compile(r"`([^`]+)`")


@attrs.frozen
class RegisterRow:
    """One assumption: its id, text, status and the cell naming its contract test."""

    id: str
    assumption: str
    status: str
    emulator_does: str
    contract_test: str


@attrs.frozen
class SpecException:
    """One finding of the spec check that the register explains: allowed, or an expected failure."""

    id: str  # SPEC-nn
    finding: str  # exactly as tests/spec words it, e.g. "response systemuserreturn.id: outside the spec"
    rows: tuple[str, ...]  # the JC rows that explain it
    verdict: str  # "allowed" or "expected failure"
    why: str


def table_cells(line: str) -> list[str]:
    """The cells of one Markdown table line, `\\|` read as `|`."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SEPARATOR.split(inner)]


def register_rows(text: str | None = None) -> dict[str, RegisterRow]:
    """Every JC row of the register, by id."""
    rows: dict[str, RegisterRow] = {}
    for line in (text if text is not None else REGISTER.read_text()).splitlines():
        cells = table_cells(line) if line.startswith("| JC-") else []
        if len(cells) == 6 and _ROW_ID.match(cells[0]):
            rows[cells[0]] = RegisterRow(cells[0], cells[1], cells[3], cells[4], cells[5])
    return rows


def spec_exceptions(text: str | None = None) -> dict[str, SpecException]:
    """The "Outside the published spec" table, by finding: each code span of a row's Finding cell is one."""
    found: dict[str, SpecException] = {}
    for line in (text if text is not None else REGISTER.read_text()).splitlines():
        cells = table_cells(line) if line.startswith("| SPEC-") else []
        if len(cells) != 5 or not _SPEC_ID.match(cells[0]):
            continue
        findings = _CODE.findall(cells[1])
        if not findings:
            raise ValueError(f"{cells[0]}: write each finding as `code`")
        rows = tuple(re.findall(r"JC-\d{2,3}", cells[2]))
        for finding in findings:
            found[finding] = SpecException(cells[0], finding, rows, cells[3].lower(), cells[4])
    return found
