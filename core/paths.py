"""Where seqlab keeps its data: the run store, model artifacts and download caches."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The data folder: `$SEQLAB_DATA_DIR`, else `data/` in the checkout; created on demand."""
    folder = Path(os.environ.get("SEQLAB_DATA_DIR") or REPO_ROOT / "data")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_path() -> Path:
    """The SQLite run store inside the data folder."""
    return data_dir() / "runs.sqlite3"
