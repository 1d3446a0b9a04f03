"""CSV files Moot sends people, safe to open in a spreadsheet.

A cell that begins with =, +, - or @ is a formula to Excel and LibreOffice; a resident's name
such as `=HYPERLINK(...)` must stay text, so such cells get a leading apostrophe (the OWASP
advice for CSV injection). Numbers Moot writes itself are left alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
