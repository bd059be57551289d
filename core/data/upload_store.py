"""The uploads folder: validated uploads stored as JSON records, named by their content.

Labelled texts, text corpora and tagged corpora that visitors upload are all kept here
(`uploads/` in the data folder) under a name holding a hash of their content, so a training
process, the CLI or a later session reloads one by name, and the same content uploaded
twice is stored once.

Uploads record no owner: the same content uploaded by two visitors is one file. The retention
sweep (core/runs/retention.py) ages an upload by its file's time, which uploading the same
content again renews.
"""

import json
import os
from pathlib import Path

from core.errors import DatasetUnavailable
from core.files import write_atomically
from core.paths import data_dir


def uploads_folder() -> Path:
    return data_dir() / "uploads"


def upload_path(name: str) -> Path:
    return uploads_folder() / f"{name}.json"


def stored_uploads() -> list[Path]:
    """The files of every stored upload (not the temporary file of one being written)."""
    return [path for path in uploads_folder().glob("*.json") if not path.name.startswith(".")]


def store_upload_record(name: str, record: dict) -> None:
    """Write `record` as the upload `name`, atomically; if it is stored already, only mark
    it as uploaded now, so that the retention sweep counts its age from today."""
    path = upload_path(name)
    try:
        os.utime(path)
    except FileNotFoundError:
        content = json.dumps(record, ensure_ascii=False)
        write_atomically(path, lambda target: target.write_text(content, "utf-8"))


def read_upload_record(name: str) -> dict:
    """The stored record of upload `name`; DatasetUnavailable when it is not there."""
    try:
        return json.loads(upload_path(name).read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise DatasetUnavailable(
            f"The upload {name} is not in {uploads_folder()} (deleted, or uploaded with "
            "another data folder). Upload the file again."
        ) from error
