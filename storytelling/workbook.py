"""What an Excel workbook holds, read from its zip without parsing a sheet.

A ``.xlsx`` file is a zip of XML parts. Before any sheet is parsed (openpyxl reads about 100,000
cells a second), :func:`sheets` checks the unpacked size against :data:`MAX_UNPACKED` from the zip
directory, lists the sheets from ``xl/workbook.xml`` and counts each sheet's filled cells by
scanning its XML for value tags (about 0.5 s per 100 MB). The caller then parses one sheet, once,
if it holds at most :data:`MAX_CELLS` filled cells: a "zip bomb" is refused in well under 2 s.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from storytelling.errors import DataError

#: A workbook whose parts unpack to more than this is refused before it is parsed (a 1 MB "zip bomb"
#: can unpack to hundreds of MB of sheet XML and keep a core busy for minutes).
MAX_UNPACKED = 150 * 1024 * 1024
#: The most filled cells of a sheet that is parsed (about 20 s): larger tables read far faster as CSV or Parquet.
MAX_CELLS = 2_000_000

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is)[\s>]")  # a cell's value: <v>, <is> (inline text)
_CANT_OPEN = "This Excel file could not be opened. Save it again as .xlsx (Excel 2007 or later) and retry."


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str  # the sheet's XML inside the zip
    cells: int  # filled cells


def sheets(raw: bytes) -> list[Sheet]:
    """Every sheet with its filled cells; :class:`DataError` for a bomb or a file that is no workbook."""
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError):
        raise DataError(_CANT_OPEN) from None
    with z:
        unpacked = sum(i.file_size for i in z.infolist())
        if unpacked > MAX_UNPACKED:
            raise DataError(f"This Excel file unpacks to {unpacked / 2**20:,.0f} MB, more than the "
                            f"{MAX_UNPACKED // 2**20} MB this app reads from a workbook. Save the customer sheet as "
                            "CSV or Parquet and upload that instead.")
        try:
            book = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG}Relationship")}
            out = []
            for s in book.iter(f"{_MAIN}sheet"):
                target = targets[s.get(f"{_REL}id")]
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                out.append(Sheet(s.get("name", ""), part, _count_values(z, part)))
        except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile):
            raise DataError(_CANT_OPEN) from None
    if not out:
        raise DataError("This workbook has no sheets. Put the customer table on a sheet and retry.")
    return out


def _count_values(z: zipfile.ZipFile, part: str) -> int:
    n, carry = 0, b""
    with z.open(part) as f:
        while chunk := f.read(1 << 20):
            data = carry + chunk
            cut = data.rfind(b"<")  # a tag never spans the cut: the rest waits for the next chunk
            cut = len(data) if cut <= 0 else cut
            n += len(_VALUE.findall(data, 0, cut))
            carry = data[cut:]
    return n + len(_VALUE.findall(carry))


def default(found: list[Sheet]) -> Sheet | None:
    """The sheet read when none is chosen: the one with the most filled cells (a cover sheet often
    comes first); None when every sheet is empty."""
    best = max(found, key=lambda s: s.cells, default=None)
    return best if best is not None and best.cells > 0 else None


def check_cells(sheet: Sheet) -> None:
    if sheet.cells > MAX_CELLS:
        raise DataError(f"The sheet '{sheet.name}' holds {sheet.cells:,} filled cells, more than the {MAX_CELLS:,} "
                        "this app reads from a workbook (it would take minutes). Save it as CSV or Parquet and "
                        "upload that instead: they read in seconds.")
