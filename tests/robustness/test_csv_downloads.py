"""CSV downloads never hand a spreadsheet a formula: text cells that would run are defused."""

import csv
import io

import pandas as pd
import streamlit as st

from core.paths import store_url
from core.runs.csv_exports import spreadsheet_safe_csv
from core.runs.store import RunStore
from tests.fixtures.hostile import FORMULA
from tests.pages.helpers import open_page

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cells(csv_text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]


def test_formula_cells_and_headers_get_an_apostrophe_and_numbers_stay_numbers():
    frame = pd.DataFrame(
        {
            "name": [FORMULA, "+SUM(A1)", "@x", "-2+3", "\tTAB", "plain"],
            "value": ["-1.5", "+3", "-2e-3", "12%", "0", "7"],
            "score": [-0.5, 1.0, 2.0, 3.0, 4.0, 5.0],
            '=HYPERLINK("x")': [""] * 6,
        }
    )
    written = spreadsheet_safe_csv(frame)
    rows = list(csv.reader(io.StringIO(written)))
    assert rows[0] == ["name", "value", "score", '\'=HYPERLINK("x")']
    assert [row[0] for row in rows[1:]] == [
        "'" + FORMULA,
        "'+SUM(A1)",
        "'@x",
        "'-2+3",
        "'\tTAB",
        "plain",
    ]
    assert [row[1] for row in rows[1:]] == ["-1.5", "+3", "-2e-3", "12%", "0", "7"]
    assert rows[1][2] == "-0.5"


def test_the_compare_page_download_holds_no_formula(monkeypatch):
    """A run whose stored names look like formulas (written by any client of a shared store)."""
    store = RunStore(store_url())
    run_id = store.create_run("text-classification", FORMULA, "@tfidf-logreg", {}, 0, {})
    store.close_without_model(run_id, status="failed", message="=1+1")
    offered = []
    original = st.download_button

    def capture(label, data, *args, **kwargs):
        offered.append(data)
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", capture)
    app = open_page("compare.py")
    assert not app.exception, app.exception
    [download] = offered
    shown = cells(download)
    assert "'" + FORMULA in shown and "'@tfidf-logreg" in shown
    assert not [cell for cell in shown if cell.startswith(FORMULA_STARTS)], shown
