"""Uploaded labelled texts as datasets: saved once in the data folder, then named like any other.

A validated upload (core/data/uploads.py) is written as JSON under `uploads/` in the data folder,
named by a hash of its content (`upload-<12 hex digits>`). Training in a child process, the
CLI, the Compare page and a later session can all reload it by that name, and the same file
uploaded twice is one dataset with one split, so its runs can be compared pairwise.
"""

import hashlib
import json

from core.data.dataset_info import DatasetInfo
from core.data.text_datasets import LabelledTexts, labelled_texts
from core.data.upload_store import read_upload_record, store_upload_record, uploads_folder
from core.data.uploads import UploadedTable, labelled_texts_from
from core.task_names import TEXT_CLASSIFICATION

UPLOAD_PREFIX = "upload-"


def save_labelled_upload(
    table: UploadedTable, text_column: str, label_column: str
) -> tuple[DatasetInfo, tuple[str, ...]]:
    """Validate the chosen columns of a parsed upload and store them as a dataset.

    Returns the dataset and the notes on what was dropped or changed; raises UploadRejected.
    """
    texts, labels, notes = labelled_texts_from(table, text_column, label_column)
    return save_upload(table.filename, texts, labels), table.notes + notes


def save_upload(filename: str, texts: list[str], labels: list[str]) -> DatasetInfo:
    """Store validated texts and labels; returns the dataset (the same one for the same data)."""
    content = json.dumps({"texts": texts, "labels": labels}, ensure_ascii=False)
    name = UPLOAD_PREFIX + hashlib.sha256(content.encode("utf-8")).hexdigest()[:12]
    store_upload_record(name, {"filename": filename, "texts": texts, "labels": labels})
    return uploaded_dataset(name)


def _load(name: str) -> LabelledTexts:
    record = read_upload_record(name)
    return labelled_texts(name, record["texts"], record["labels"])


def uploaded_dataset(name: str) -> DatasetInfo:
    """The DatasetInfo of a stored upload; raises DatasetUnavailable if it is gone."""
    record = read_upload_record(name)
    classes = sorted(set(record["labels"]))
    return DatasetInfo(
        name,
        TEXT_CLASSIFICATION,
        f"{record['filename']} ({len(record['texts']):,})",
        f"Uploaded: {len(record['texts']):,} texts in {len(classes)} classes "
        f"({', '.join(classes[:6])}{', ...' if len(classes) > 6 else ''}).",
        f"your file {record['filename']}",
        lambda: _load(name),
    )


def uploaded_datasets() -> list[DatasetInfo]:
    """Every stored upload, newest first."""
    folder = uploads_folder()
    paths = sorted(folder.glob(f"{UPLOAD_PREFIX}*.json"), key=lambda path: -path.stat().st_mtime)
    return [uploaded_dataset(path.stem) for path in paths]
