"""Tables offered as CSV downloads, written so that a spreadsheet opens every cell as data.

A text cell starting with = + - @ (or a tab or carriage return) is run as a formula by Excel,
LibreOffice and Google Sheets (CSV injection, e.g. `=cmd|' /C calc'!A0`). Such cells get a
leading apostrophe, which those programs show as plain text; numbers are left alone.
"""

import pandas as pd

from core.data.uploads import NUMBER

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(cell):
    """`cell` with a leading apostrophe if a spreadsheet would read it as a formula."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def spreadsheet_safe_csv(frame: pd.DataFrame) -> str:
    """`frame` as CSV text (no index) with every formula-like text cell and header defused."""
    safe = frame.map(defused)
    safe.columns = [defused(str(column)) for column in frame.columns]
    return safe.to_csv(index=False)
