"""Reading the tables people type or export from a spreadsheet: rosters and answers.

One reader for both, so that whatever Excel or LibreOffice writes is read the same way:
CSV separated by `,`, `;` or tabs (the delimiter is the one the header line uses), UTF-8
with or without a byte-order mark, UTF-16 ("Unicode text"), Windows-1251 (still common
in Bulgarian offices), CRLF or LF line ends; and `.xlsx` workbooks (the sheet the
table is expected on, see xlsx.py). Every row keeps the line (or worksheet row) it starts
on, so errors can name it. A cell's text is what a person typed: a CSV cell that exgen
guarded against formula injection (`'=…`) loses its guard, and a control character is
shown visibly (`<U+0001>`) with a note naming the cell, never passed on raw.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ExgenError

# Longer cells are refused (naming file and line) rather than read: no name or answer
# is this long, and a runaway quote is better caught than swallowed.
MAX_CELL = 10_000
DELIMITERS = {",": "`,`", ";": "`;`", "\t": "tab"}
# A text cell starting with one of these is a formula to a spreadsheet program: written
# to a CSV, it gets a leading `'` (OWASP's rule), which reading takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Row:
    line: int                   # the line (CSV) or worksheet row (.xlsx) it starts on
    cells: tuple[str, ...]

    def get(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""

    @property
    def empty(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


@dataclass(frozen=True)
class Table:
    path: Path
    header: tuple[str, ...]     # the column names, stripped
    rows: tuple[Row, ...]       # after the header, without wholly empty lines
    detected: str = ""          # how it was read, when not plain comma-separated UTF-8
    unit: str = "line"          # "line" for CSV, "row" for a workbook
    header_line: int = 1
    sheet: str = ""             # a workbook's sheet that was read
    # (line, column index) → what is odd about the cell: a date Excel made of an answer,
    # a formula without its value, a control character shown visibly
    notes: dict = field(default_factory=dict)    # (line, column index) → xlsx.CellNote

    def where(self, line: int) -> str:
        sheet = f", sheet `{self.sheet}`" if self.sheet else ""
        return f"{self.path}{sheet}, {self.unit} {line}"

    @property
    def header_where(self) -> str:
        return self.where(self.header_line)


def read_table(path: Path, what: str, multiline: bool = False, sheet: str = "") -> Table:
    """A CSV file or an .xlsx workbook as a header and rows of text. A cell may span
    lines only where `multiline` allows (an answer cell holding a matrix, row by row);
    in a roster a line break inside a cell is an unbalanced quote and refused. From a
    workbook, the sheet named `sheet` is read (else the one whose A1 is `id`, else the
    first)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExgenError(f"{what} not found", where=str(path)) from None
    except IsADirectoryError:
        raise ExgenError(f"{what} is a folder, not a file", where=str(path)) from None
    if data.startswith(b"PK\x03\x04"):
        return _read_workbook(path, what, sheet)
    if data.startswith(OLE):
        raise ExgenError(f"the {what} is a password-protected workbook or an old Excel .xls "
                         "file, which exgen cannot read: save it as .xlsx without a password "
                         "(Excel: File → Info → Protect Workbook → Encrypt with Password, "
                         "empty) or as CSV", where=str(path))
    text, encoding = _decode(data)
    return _read_csv(path, what, text, encoding, multiline)


def unguarded(cell: str) -> str:
    """A CSV cell without the `'` that guards a formula-like text (see FORMULA_STARTS)."""
    return cell[1:] if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_STARTS \
        else cell


def guarded(cell: str) -> str:
    """A text cell for a CSV that no spreadsheet program takes for a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def visible(text: str):
    """The text with control characters and lone surrogates shown as `<U+0001>`, and a
    note saying so (None when there are none). Tabs and line breaks stay."""
    from .xlsx import CellNote

    odd = [c for c in text if c not in "\t\n\r" and unicodedata.category(c) in ("Cc", "Cs")]
    if not odd:
        return text, None
    shown = "".join(f"<U+{ord(c):04X}>" if c in odd else c for c in text)
    codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in odd}))
    return shown, CellNote("control", codes, f"control character(s) {codes}, shown as <U+…>")


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding's name ("" for plain UTF-8)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 with a byte-order mark"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "Windows-1251"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _delimiter(text: str) -> str:
    """The delimiter of the first non-empty line (the header), outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path, what: str, text: str, encoding: str, multiline: bool) -> Table:
    delimiter = _delimiter(text)
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[Row] = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ExgenError(f"the {what} cannot be read here ({exc}): a quote `\"` opened "
                             "in a cell and never closed?",
                             where=f"{path}, line {line}") from None
        for cell in cells:
            if len(cell) > MAX_CELL:
                raise ExgenError(f"a cell of {len(cell):,} characters (at most "
                                 f"{MAX_CELL:,}; an unclosed quote `\"`?)",
                                 where=f"{path}, line {line}")
            if not multiline and ("\n" in cell or "\r" in cell):
                raise ExgenError("a cell runs over several lines: a quote `\"` opened and "
                                 "never closed?", where=f"{path}, line {line}")
        records.append(Row(line, tuple(unguarded(cell) for cell in cells)))
        line = reader.line_num + 1
    notes = []
    if encoding:
        notes.append(encoding)
    if delimiter != ",":
        notes.append(f"{DELIMITERS[delimiter]}-separated")
    return _table(path, what, records, ", ".join(notes), "line")


def _read_workbook(path: Path, what: str, sheet: str) -> Table:
    from .xlsx import read_sheet

    found = read_sheet(path, what, sheet)
    records = []
    for number, cells in found.rows:
        for cell in cells:
            if len(cell) > MAX_CELL:
                raise ExgenError(f"a cell of {len(cell):,} characters (at most "
                                 f"{MAX_CELL:,})",
                                 where=f"{path}, sheet `{found.name}`, row {number}")
        records.append(Row(number, cells))
    return _table(path, what, records, "", "row", found.name, found.notes)


def _table(path: Path, what: str, records: list[Row], detected: str, unit: str,
           sheet: str = "", notes: dict | None = None) -> Table:
    records = [r for r in records if not r.empty]
    where = f"{path}, sheet `{sheet}`" if sheet else str(path)
    if not records:
        raise ExgenError(f"the {what} is empty: it needs a header line with the column "
                         "`id`", where=where)
    notes = dict(notes or {})
    shown = []
    for record in records:
        cells = []
        for index, cell in enumerate(record.cells):
            text, note = visible(cell)
            if note:
                notes[(record.line, index)] = note
            cells.append(text)
        shown.append(Row(record.line, tuple(cells)))
    header = tuple(cell.strip() for cell in shown[0].cells)
    while header and not header[-1]:
        header = header[:-1]
    return Table(path, header, tuple(shown[1:]), detected, unit, shown[0].line, sheet,
                 notes)
