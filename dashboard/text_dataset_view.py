"""Choose labelled texts (a bundled set, or an uploaded CSV/TSV) and see them at a glance."""

import dataclasses
import re

import streamlit as st

from core.data.dataset_info import DatasetInfo
from core.data.datasets import dataset_info, datasets_for
from core.data.text_datasets import LabelledTexts
from core.data.text_stats import class_length_table
from core.data.uploaded_datasets import UPLOAD_PREFIX, save_labelled_upload
from core.data.uploads import UploadedTable
from core.errors import DatasetUnavailable
from core.task_names import TEXT_CLASSIFICATION
from dashboard import charts, hosting, state, url_state
from dashboard.dataset_view import loaded_dataset
from dashboard.highlight import escape_markdown
from dashboard.table_upload import message_on_rejection, parsed_table

SAMPLES_SHOWN = 12
BUNDLED, UPLOAD = "A bundled dataset", "Upload a CSV/TSV"


def text_dataset_source(key: str) -> DatasetInfo | None:
    """A bundled dataset, or one made from this visitor's upload; None until one is ready."""
    source = st.radio("Data", (BUNDLED, UPLOAD), horizontal=True, key=f"{key}.source")
    if source == BUNDLED:
        return _bundled_picker(key)
    return _upload(key)


def text_dataset_url_field(key: str) -> url_state.UrlField:
    """The chosen dataset in a link: `dataset=<name>`, a bundled set or a stored upload by its
    id (`upload-<12 hex digits>`), which then joins this visitor's list if it is still stored.
    In hosted mode a visitor's uploads are their own: a link cannot add another's."""
    field = url_state.choice("dataset", f"{key}.name", _options(), name=lambda info: info.name)

    def read(text: str) -> DatasetInfo:
        if re.fullmatch(rf"{UPLOAD_PREFIX}[0-9a-f]{{12}}", text):
            if hosting.settings().hosted and text not in state.uploaded_datasets():
                raise ValueError("uploads on this shared server are seen only by who made them")
            info = _known_upload(text)
            if info is None:
                raise ValueError("that upload is not stored on this server")
            state.remember_upload(info.name)
            return info
        return field.read(text)

    return dataclasses.replace(field, read=read)


def _options() -> list[DatasetInfo]:
    """The bundled datasets, then this visitor's uploads."""
    return datasets_for(TEXT_CLASSIFICATION) + [
        info for info in (_known_upload(name) for name in state.uploaded_datasets()) if info
    ]


def _bundled_picker(key: str) -> DatasetInfo:
    options = _options()
    chosen = st.selectbox(
        "Dataset",
        options,
        format_func=lambda info: info.title + (" (data pack)" if info.unavailable else ""),
        key=f"{key}.name",
    )
    # An upload's description names its labels, and its source its file name.
    st.caption(f"{escape_markdown(chosen.description)} Source: {escape_markdown(chosen.source)}.")
    return chosen


def _known_upload(name: str) -> DatasetInfo | None:
    try:
        return dataset_info(name)
    except DatasetUnavailable:
        return None


def _upload(key: str) -> DatasetInfo | None:
    uploaded = parsed_table(
        key,
        "Upload a table with one text and one label per row, e.g. a `text` column and a "
        "`label` column.",
    )
    if uploaded is None:
        return None
    upload, table = uploaded
    columns = list(table.frame.columns)
    text_guess, label_guess = _guess_columns(table)
    left, right = st.columns(2)
    text_column = left.selectbox("Text column", columns, index=text_guess, key=f"{key}.text_column")
    label_column = right.selectbox(
        "Label column", columns, index=label_guess, key=f"{key}.label_column"
    )
    saved = state.upload_step(
        "save",
        (upload.file_id, text_column, label_column),
        lambda: message_on_rejection(
            lambda: save_labelled_upload(table, text_column, label_column)
        ),
    )
    if isinstance(saved, str):
        st.error(escape_markdown(saved))
        return None
    info, notes = saved
    for note in notes[len(table.notes) :]:
        st.info(escape_markdown(note))
    state.remember_upload(info.name)
    st.caption(f"{escape_markdown(info.description)} Saved as dataset `{info.name}`.")
    return info


def _guess_columns(table: UploadedTable) -> tuple[int, int]:
    """Indices of the likeliest text column (longest cells) and label column (fewest values)."""
    frame = table.frame
    if len(frame.columns) < 2:
        return 0, 0
    lengths = [frame[column].fillna("").str.len().mean() for column in frame.columns]
    text = max(range(len(lengths)), key=lengths.__getitem__)
    others = [index for index in range(len(frame.columns)) if index != text]
    label = min(others, key=lambda index: frame.iloc[:, index].nunique())
    return text, label


def text_dataset_overview(info: DatasetInfo) -> LabelledTexts | None:
    """Class balance, text lengths and sample texts; None (with a message) if unavailable."""
    data = loaded_dataset(info)
    if data is None:
        return None
    table = class_length_table(data.texts, data.labels, data.class_names)
    st.markdown(
        f"**{len(data.texts):,} texts** in {len(data.class_names)} classes; "
        f"{table['mean words'].iloc[-1]:.1f} words per text on average."
    )
    balance, lengths, samples = st.tabs(["Class balance", "Text lengths", "Sample texts"])
    with balance:
        st.plotly_chart(charts.class_balance(table.iloc[:-1]), key="class_balance")
    with lengths:
        st.dataframe(
            table.style.format(
                {
                    "share": "{:.1%}",
                    "mean words": "{:.1f}",
                    "median words": "{:.0f}",
                    "95th percentile": "{:.0f}",
                }  # fmt: skip
            ),
            hide_index=True,
        )
    with samples:
        st.dataframe(
            {
                "text": data.texts[:SAMPLES_SHOWN].tolist(),
                "label": [data.class_names[label] for label in data.labels[:SAMPLES_SHOWN]],
            },
            hide_index=True,
        )
    return data
