"""CSV files Moot sends people, safe to open in a spreadsheet, and the ones it is sent.

A cell that begins with =, +, - or @ is a formula to Excel and LibreOffice; a resident's name
such as `=HYPERLINK(...)` must stay text, so such cells get a leading apostrophe (the OWASP
advice for CSV injection). Numbers Moot writes itself are left alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from bot.errors import UserError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def read_csv(data: bytes, max_bytes: int) -> csv.DictReader[str]:
    """A CSV file someone sent (a register to import), as rows by header; UserError when it is
    too large or not UTF-8 text. Reading the rows can still raise csv.Error."""
    if len(data) > max_bytes:
        raise UserError(
            f"That file is {len(data) // 1024} KB; the limit is {max_bytes // 1024} KB."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserError(
            "That file is not UTF-8 text; save it as CSV (UTF-8) and try again."
        ) from error
    return csv.DictReader(io.StringIO(text))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
    return out.getvalue().encode()


def _safe(cell: object) -> object:
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell
