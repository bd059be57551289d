"""Uploaded labelled texts as datasets: saved once in the data folder, then named like any other.

A validated upload (core/uploads.py) is written as JSON under `uploads/` in the data folder,
named by a hash of its content (`upload-<12 hex digits>`). Training in a child process, the
CLI, the Compare page and a later session can all reload it by that name, and the same file
uploaded twice is one dataset with one split, so its runs can be compared pairwise.
"""

import hashlib
import json
from pathlib import Path

from core.dataset_info import DatasetInfo
from core.errors import DatasetUnavailable
from core.files import write_atomically
from core.paths import data_dir
from core.text_datasets import TEXT_CLASSIFICATION, LabelledTexts, labelled_texts
from core.uploads import UploadedTable, labelled_texts_from

UPLOAD_PREFIX = "upload-"


def _folder() -> Path:
    return data_dir() / "uploads"


def _path(name: str) -> Path:
    return _folder() / f"{name}.json"


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
    path = _path(name)
    if not path.exists():
        record = {"filename": filename, "texts": texts, "labels": labels}
        write_atomically(
            path, lambda target: target.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
        )
    return uploaded_dataset(name)


def _read(name: str) -> dict:
    try:
        return json.loads(_path(name).read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise DatasetUnavailable(
            f"The uploaded dataset {name} is not in {_folder()} (deleted, or uploaded with "
            "another data folder). Upload the file again."
        ) from error


def _load(name: str) -> LabelledTexts:
    record = _read(name)
    return labelled_texts(name, record["texts"], record["labels"])


def uploaded_dataset(name: str) -> DatasetInfo:
    """The DatasetInfo of a stored upload; raises DatasetUnavailable if it is gone."""
    record = _read(name)
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
    folder = _folder()
    paths = sorted(folder.glob(f"{UPLOAD_PREFIX}*.json"), key=lambda path: -path.stat().st_mtime)
    return [uploaded_dataset(path.stem) for path in paths]
