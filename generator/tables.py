"""Reading the tables people type or export from a spreadsheet: rosters and answers.

One reader for both, so that whatever Excel or LibreOffice writes is read the same way:
CSV separated by `,`, `;` or tabs (the delimiter is the one the header line uses), UTF-8
with or without a byte-order mark, UTF-16 ("Unicode text"), Windows-1251 (still common
in Bulgarian offices), CRLF or LF line ends; and `.xlsx` workbooks (the first sheet).
Every row keeps the line (or worksheet row) it starts on, so errors can name it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .errors import ExgenError

# Longer cells are refused (naming file and line) rather than read: no name or answer
# is this long, and a runaway quote is better caught than swallowed.
MAX_CELL = 10_000
DELIMITERS = {",": "`,`", ";": "`;`", "\t": "tab"}


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

    def where(self, line: int) -> str:
        return f"{self.path}, {self.unit} {line}"

    @property
    def header_where(self) -> str:
        return self.where(self.header_line)


def read_table(path: Path, what: str, multiline: bool = False) -> Table:
    """A CSV file or an .xlsx workbook as a header and rows of text. A cell may span
    lines only where `multiline` allows (an answer cell holding a matrix, row by row);
    in a roster a line break inside a cell is an unbalanced quote and refused."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExgenError(f"{what} not found", where=str(path)) from None
    except IsADirectoryError:
        raise ExgenError(f"{what} is a folder, not a file", where=str(path)) from None
    if data.startswith(b"PK\x03\x04"):
        return _read_workbook(path, what)
    text, encoding = _decode(data)
    return _read_csv(path, what, text, encoding, multiline)


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
        records.append(Row(line, tuple(cells)))
        line = reader.line_num + 1
    notes = []
    if encoding:
        notes.append(encoding)
    if delimiter != ",":
        notes.append(f"{DELIMITERS[delimiter]}-separated")
    return _table(path, what, records, ", ".join(notes), "line")


def _read_workbook(path: Path, what: str) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:    # openpyxl raises many kinds for a damaged file
        raise ExgenError(f"the {what} is not a readable .xlsx workbook ({exc})",
                         where=str(path)) from None
    try:
        sheet = book.worksheets[0]
        records = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = tuple(_cell_text(v) for v in values)
            for cell in cells:
                if len(cell) > MAX_CELL:
                    raise ExgenError(f"a cell of {len(cell):,} characters (at most "
                                     f"{MAX_CELL:,})", where=f"{path}, row {number}")
            records.append(Row(number, cells))
    finally:
        book.close()
    return _table(path, what, records, "", "row")


def _cell_text(value) -> str:
    """A workbook cell as the text a person typed: 1024.0 that Excel stores for 1024 is
    `1024`, decimals keep a point."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _table(path: Path, what: str, records: list[Row], detected: str, unit: str) -> Table:
    records = [r for r in records if not r.empty]
    if not records:
        raise ExgenError(f"the {what} is empty: it needs a header line with the column "
                         "`id`", where=str(path))
    header = tuple(cell.strip() for cell in records[0].cells)
    while header and not header[-1]:
        header = header[:-1]
    return Table(path, header, tuple(records[1:]), detected, unit, records[0].line)
