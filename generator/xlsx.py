"""Reading the cells of an .xlsx workbook, and only its cells.

A workbook is a zip of XML parts written by whatever program saved it, and the file a
lecturer is handed may be hostile or simply odd: a declared size (`<dimension>`) that
is wrong, a sheet that claims a million rows for one cell in its far corner, an entity
that expands a thousandfold, a truncated part. So the sheet is streamed cell by cell
(time and memory follow the cells really there, never the declared size), its XML is
parsed by defusedxml (no DTD, no entity, no external reference), every part is read
within a size limit, and every failure is an ExgenError naming the file and the sheet.

A cell comes back as the text a person typed, with a note where the text is not what
they typed: a number Excel turned into a date or a time, a formula that was saved
without its value, an error value. openpyxl's own helpers tell a date format and the
date of a serial number.
"""

from __future__ import annotations

import math
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .errors import ExgenError
from .spreadsheets import load_openpyxl

# What a table of answers or students can need, with a wide margin; beyond these a
# workbook is refused with its file, sheet and cell named.
MAX_ROWS = 100_000
MAX_COLUMNS = 1_000
MAX_CELLS = 500_000
MAX_PART = 200 * 1024 * 1024          # bytes of one XML part, uncompressed

ODS = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True)
class CellNote:
    """What is odd about a cell: `kind` (date, time, formula, error, control), what was
    found there, and a sentence for the terminal."""

    kind: str
    found: str
    message: str


@dataclass
class Sheet:
    name: str
    rows: list[tuple[int, tuple[str, ...]]]             # (row number, cells from A)
    notes: dict[tuple[int, int], CellNote] = field(default_factory=dict)  # (row, column index)


class _Limited:
    """A part's stream that stops at MAX_PART bytes (a zip bomb's declared size lies)."""

    def __init__(self, stream, where: str):
        self.stream, self.where, self.read_so_far = stream, where, 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size and size > 0 else 1 << 16)
        self.read_so_far += len(data)
        if self.read_so_far > MAX_PART:
            raise ExgenError(f"{self.where} unpacks to more than {MAX_PART >> 20} MB: "
                             "not a table of students or answers")
        return data


def read_sheet(path: Path, what: str, prefer: str) -> Sheet:
    """The sheet named `prefer` (any case), else the first whose A1 is `id`, else the
    first sheet, as rows of text."""
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExgenError(f"the {what} is not a readable .xlsx workbook ({exc})",
                         where=str(path)) from None
    with book:
        try:
            return _Workbook(book, path, what).sheet(prefer)
        except ExgenError as exc:
            if exc.where is None:
                raise ExgenError(str(exc), where=str(path)) from None
            raise


class _Workbook:
    def __init__(self, book: zipfile.ZipFile, path: Path, what: str):
        self.book, self.path, self.what = book, path, what
        names = set(book.namelist())
        if "mimetype" in names and self._bytes("mimetype", 200).strip() == ODS:
            raise ExgenError(f"the {what} is an OpenDocument spreadsheet (.ods), which exgen "
                             "does not read: in LibreOffice, File → Save As → Excel 2007-365 "
                             "(.xlsx) or Text CSV", where=str(path))
        main = self._target("_rels/.rels", "officeDocument") or "xl/workbook.xml"
        if main not in names:
            raise ExgenError(f"the {what} is a zip file but not an .xlsx workbook (it has no "
                             "workbook part)", where=str(path))
        self.names = names
        rels = self._relations(posixpath.join(posixpath.dirname(main), "_rels",
                                              posixpath.basename(main) + ".rels"), main)
        self.sheets: list[tuple[str, str]] = []
        self.date1904 = False
        for element in self._elements(main, "workbook"):
            if element.tag == "sheet":
                target = rels.get(_relation_id(element), ("", ""))[1]
                self.sheets.append((element.get("name") or "", target))
            elif element.tag == "workbookPr":
                self.date1904 = element.get("date1904", "0").lower() in ("1", "true")
        if not self.sheets:
            raise ExgenError(f"the {what} is a workbook without a sheet", where=str(path))
        by_type = {kind: target for kind, target in rels.values()}
        self.strings = self._shared_strings(by_type.get("sharedStrings"))
        self.formats = self._cell_formats(by_type.get("styles"))

    # ---------------------------------------------------------------- the parts

    def _where(self, part: str) -> str:
        return f"{self.path} ({part})"

    def _bytes(self, name: str, limit: int) -> bytes:
        with self.book.open(name) as stream:
            return stream.read(limit)

    def _elements(self, name: str, label: str, events=("end",)) -> Iterator:
        """The XML elements of a part, streamed; a damaged or hostile part is an
        ExgenError naming the file and `label` (a sheet's name)."""
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import ParseError, iterparse

        try:
            with self.book.open(name) as stream:
                for event, element in iterparse(_Limited(stream, self._where(name)),
                                                events=events):
                    # Tags by their local names: transitional and strict OOXML alike.
                    if "}" in element.tag:
                        element.tag = element.tag.rsplit("}", 1)[1]
                    yield element if events == ("end",) else (event, element)
        except ExgenError as exc:
            if exc.where is None:
                raise ExgenError(str(exc), where=str(self.path)) from None
            raise
        except (ParseError, DefusedXmlException, zipfile.BadZipFile, EOFError, OSError,
                ValueError, KeyError, RuntimeError) as exc:
            reason = str(exc) or type(exc).__name__
            if isinstance(exc, DefusedXmlException):
                reason = "it declares XML entities or a DTD, which exgen never reads"
            raise ExgenError(f"{label} of the {self.what} cannot be read: {reason}",
                             where=str(self.path)) from None

    def _target(self, rels_part: str, kind: str) -> str | None:
        found = self._relations(rels_part, "").values() if rels_part in \
            self.book.namelist() else ()
        return next((target for k, target in found if k == kind), None)

    def _relations(self, rels_part: str, source: str) -> dict[str, tuple[str, str]]:
        """A relations part: id → (type's last word, the target's path in the zip)."""
        if rels_part not in self.book.namelist():
            return {}
        base = posixpath.dirname(source)
        found = {}
        for element in self._elements(rels_part, "the workbook's relations"):
            if element.tag != "Relationship":
                continue
            target = element.get("Target") or ""
            target = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join(base, target))
            found[element.get("Id") or ""] = ((element.get("Type") or "").rsplit("/", 1)[-1],
                                              target)
        return found

    def _shared_strings(self, part: str | None) -> list[str]:
        if not part or part not in self.names:
            return []
        strings: list[str] = []
        for element in self._elements(part, "the shared strings"):
            if element.tag == "si":
                strings.append(_text_of(element))
                element.clear()
                if len(strings) > MAX_CELLS:
                    raise ExgenError(f"the {self.what} holds more than {MAX_CELLS:,} texts",
                                     where=str(self.path))
        return strings

    def _cell_formats(self, part: str | None) -> list[str]:
        """Per style index, the kind of number it shows: "date", "time" or ""."""
        load_openpyxl()
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        if not part or part not in self.names:
            return []
        custom: dict[int, str] = {}
        kinds: list[str] = []
        in_xfs = False
        for event, element in self._elements(part, "the styles", events=("start", "end")):
            if element.tag == "cellXfs":
                in_xfs = event == "start"
            elif event == "end" and element.tag == "numFmt":
                try:
                    custom[int(element.get("numFmtId", "-1"))] = element.get("formatCode") or ""
                except ValueError:
                    pass
            elif event == "end" and in_xfs and element.tag == "xf":
                try:
                    number = int(element.get("numFmtId", "0"))
                except ValueError:
                    number = 0
                code = custom.get(number, BUILTIN_FORMATS.get(number, ""))
                kind = ""
                if code and is_date_format(code):
                    kind = "time" if is_timedelta_format(code) or not any(
                        c in code.lower() for c in "dy") else "date"
                elif 14 <= number <= 22 or 45 <= number <= 47:
                    kind = "date"
                kinds.append(kind)
        return kinds

    # ---------------------------------------------------------------- the sheets

    def sheet(self, prefer: str) -> Sheet:
        chosen = next((s for s in self.sheets if s[0].casefold() == prefer.casefold()), None)
        if chosen is None and len(self.sheets) > 1:
            chosen = next((s for s in self.sheets if self._first_cell(s) == "id"), None)
        name, part = chosen or self.sheets[0]
        if part not in self.names:
            raise ExgenError(f"sheet `{name}` of the {self.what} is missing from the file",
                             where=str(self.path))
        return self._read(name, part)

    def _first_cell(self, sheet: tuple[str, str]) -> str:
        name, part = sheet
        if part not in self.names:
            return ""
        for row, column, text, _ in self._cells(name, part):
            return text.strip() if (row, column) == (1, 1) else ""
        return ""

    def _read(self, name: str, part: str) -> Sheet:
        cells: dict[int, dict[int, str]] = {}
        notes: dict[tuple[int, int], str] = {}
        count = 0
        for row, column, text, note in self._cells(name, part):
            if not text and not note:
                continue
            if row > MAX_ROWS or column > MAX_COLUMNS:
                raise ExgenError(
                    f"sheet `{name}`: cell {_ref(row, column)} lies outside any table of "
                    f"students or answers (at most {MAX_ROWS:,} rows and {MAX_COLUMNS:,} "
                    "columns): delete it, or copy the table to a new workbook",
                    where=str(self.path))
            count += 1
            if count > MAX_CELLS:
                raise ExgenError(f"sheet `{name}` holds more than {MAX_CELLS:,} cells",
                                 where=str(self.path))
            cells.setdefault(row, {})[column] = text
            if note:
                notes[(row, column - 1)] = note
        rows = []
        for row in sorted(cells):
            values = cells[row]
            rows.append((row, tuple(values.get(c, "") for c in range(1, max(values) + 1))))
        return Sheet(name, rows, notes)

    def _cells(self, name: str, part: str) -> Iterator[tuple[int, int, str, CellNote | None]]:
        """(row, column, text, note) for every cell element of a sheet, as written."""
        label = f"sheet `{name}`"
        row_number, column_number = 0, 0
        for event, element in self._elements(part, label, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == "row":
                    row_number = _index(element.get("r"), row_number + 1, label)
                    column_number = 0
                continue
            if tag == "c":
                ref = element.get("r")
                if ref:
                    row_number, column_number = _position(ref, label)
                else:
                    column_number += 1
                text, note = self._value(element, _ref(row_number, column_number), label)
                element.clear()
                yield row_number, column_number, text, note
            elif tag == "row":
                element.clear()

    def _value(self, cell, ref: str, label: str) -> tuple[str, CellNote | None]:
        kind = cell.get("t", "n")
        value = cell.find("v")
        raw = value.text if value is not None and value.text is not None else None
        formula = cell.find("f") is not None
        if kind == "inlineStr":
            box = cell.find("is")
            return (_text_of(box) if box is not None else ""), None
        if raw is None:
            if formula:
                return "", CellNote("formula", "", (
                    "a formula saved without its value (the program that saved the file "
                    "did not compute it): open and save the file in Excel or LibreOffice, "
                    "or type the value"))
            return "", None
        if kind == "s":
            try:
                return self.strings[int(raw)], None
            except (ValueError, IndexError):
                raise ExgenError(f"{label}, cell {ref}: a text that the workbook does not "
                                 "hold", where=str(self.path)) from None
        if kind == "str":
            return raw, None
        if kind == "b":
            return ("TRUE" if raw.strip() in ("1", "true") else "FALSE"), None
        if kind == "e":
            return raw, CellNote("error", raw, f"an error value {raw} (a formula that failed)")
        if kind == "d":
            return raw, CellNote("date", raw, f"a date ({raw}): Excel turned what was typed "
                                 "into a date")
        try:
            number = float(raw)
        except ValueError:
            raise ExgenError(f"{label}, cell {ref}: `{raw[:40]}` is not a number",
                             where=str(self.path)) from None
        if not math.isfinite(number):
            raise ExgenError(f"{label}, cell {ref}: `{raw[:40]}` is not a number",
                             where=str(self.path))
        style = cell.get("s")
        shown = self.formats[int(style)] if style and style.isdigit() and \
            int(style) < len(self.formats) else ""
        if shown:
            return _as_date(number, shown, self.date1904)
        return number_text(number), None


def number_text(number: float) -> str:
    """A number cell as the text a person typed: 1024.0 that Excel stores for 1024 is
    `1024`, decimals keep a point."""
    return str(int(number)) if number.is_integer() else repr(number)


def _as_date(number: float, kind: str, date1904: bool) -> tuple[str, CellNote | None]:
    load_openpyxl()
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    try:
        moment = from_excel(number, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
    except (ValueError, OverflowError, TypeError):
        return number_text(number), None
    if kind == "time":
        text = moment.strftime("%H:%M") if hasattr(moment, "strftime") else str(moment)
        return text, CellNote("time", text, f"a time ({text}): Excel turned what was typed "
                              "(such as `1:30`) into a time of day")
    text = moment.strftime("%Y-%m-%d") if hasattr(moment, "strftime") else str(moment)
    return text, CellNote("date", text, f"a date ({text}): Excel turned what was typed "
                          "(such as `3,5` or `3.5`) into a date")


def _relation_id(element) -> str:
    """A sheet's `r:id`, whatever namespace the relationships have (transitional or
    strict OOXML)."""
    return next((value for key, value in element.attrib.items()
                 if key.endswith("}id")), "")


def _text_of(element) -> str:
    """The text of a string item: its `t`, or its runs' `t` (not phonetic guides)."""
    direct = element.find("t")
    if direct is not None:
        return direct.text or ""
    return "".join(t.text or "" for run in element.findall("r")
                   for t in run.findall("t"))


def _index(text: str | None, default: int, label: str) -> int:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise ExgenError(f"{label}: a row numbered `{text[:20]}`") from None


def _position(ref: str, label: str) -> tuple[int, int]:
    load_openpyxl()
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    from openpyxl.utils.exceptions import CellCoordinatesException

    try:
        letters, row = coordinate_from_string(ref)
        return row, column_index_from_string(letters)
    except (ValueError, TypeError, CellCoordinatesException):
        raise ExgenError(f"{label}: a cell at `{ref[:20]}`, which is no cell") from None


def _ref(row: int, column: int) -> str:
    load_openpyxl()
    from openpyxl.utils.cell import get_column_letter

    try:
        return f"{get_column_letter(column)}{row}"
    except ValueError:
        return f"R{row}C{column}"
