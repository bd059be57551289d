"""An uploaded CSV/TSV, parsed once and previewed: the first step of every table upload.

Labelled texts and message -> reply pairs are both uploaded as tables; this step reads the
file (core/data/uploads.py checks size, encoding, binary content, columns and rows), shows what
was noticed and the first rows, and leaves choosing the columns to the page.
"""

from collections.abc import Callable
from typing import Any

import streamlit as st

from core.data.uploads import (
    UploadedTable,
    check_upload_size,
    read_table,
    upload_size_cap_megabytes,
)
from core.errors import UserFacingError
from dashboard import hosting, state
from dashboard.highlight import escape_markdown

PREVIEW_ROWS = 8


def message_on_rejection(compute: Callable[[], Any]) -> Any:
    """`compute`'s result, or the message of the UserFacingError it raised."""
    try:
        return compute()
    except UserFacingError as error:
        return str(error)


def parsed_table(key: str, hint: str) -> tuple[Any, UploadedTable] | None:
    """(the upload widget's file, its parsed table) once a readable table is uploaded; None
    (with `hint` or the reason it was refused) until then."""
    upload = st.file_uploader(
        "A CSV or TSV file whose first row names the columns (UTF-8)",
        type=["csv", "tsv", "txt"],
        key=f"{key}.file",
        max_upload_size=upload_size_cap_megabytes(),
    )
    if upload is None:
        st.info(f"{hint} Cells are read as plain text: nothing in the file is run.")
        return None
    table = state.upload_step(
        "parse",
        (upload.file_id,),
        lambda: (
            hosting.disk_quota_message(upload.size) or message_on_rejection(lambda: _read(upload))
        ),
    )
    if isinstance(table, str):
        st.error(escape_markdown(table))
        return None
    for note in table.notes:
        st.info(escape_markdown(note))
    st.caption(f"First rows of {escape_markdown(table.filename)} ({len(table.frame):,} rows):")
    st.dataframe(table.frame.head(PREVIEW_ROWS), hide_index=True)
    return upload, table


def _read(upload: Any) -> UploadedTable:
    """The uploaded file's table; a file over the cap is refused by the size the uploader
    reports, before its bytes are read or parsed."""
    check_upload_size(upload.name, upload.size)
    return read_table(upload.getvalue(), upload.name)
