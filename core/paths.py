"""Where seqlab keeps its data: the run store, model artifacts and download caches."""

import os
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The data folder: `$SEQLAB_DATA_DIR`, else `data/` in the checkout; created on demand."""
    folder = Path(os.environ.get("SEQLAB_DATA_DIR") or REPO_ROOT / "data")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_path() -> Path:
    """The SQLite run store inside the data folder."""
    return data_dir() / "runs.sqlite3"


def store_url() -> str:
    """The run store's database: `$SEQLAB_DATABASE_URL` (a PostgreSQL server that several app
    replicas share), else the SQLite file in the data folder."""
    return os.environ.get("SEQLAB_DATABASE_URL") or f"sqlite:///{store_path()}"


def folder_of(location: str | Path) -> Path:
    """A folder given as a path or a `file://` URL.

    Other schemes are refused rather than half-supported: an object store is used through a
    mount (s3fs, gcsfuse, a network share) given here as a folder.
    """
    parsed = urlparse(str(location))
    if parsed.scheme == "file":
        return Path(url2pathname(parsed.path))
    if "://" in str(location):
        raise ValueError(
            f"Artifacts go to a folder or a file:// URL, not {str(location)!r}; mount the "
            "object store and give its folder."
        )
    return Path(location)


def artifacts_dir(database_file: Path | None) -> Path:
    """Where model files go: `$SEQLAB_ARTIFACTS`, else `artifacts/` beside the SQLite file
    (or in the data folder, for a database on a server)."""
    setting = os.environ.get("SEQLAB_ARTIFACTS")
    if setting:
        return folder_of(setting)
    return (database_file.parent if database_file else data_dir()) / "artifacts"


SHARED_CURVES = "shared"  # the curves without a visitor (the CLI's, a local app's)


def curves_dir(visitor: str | None = None) -> Path:
    """Where saved learning curves live: a hosted-mode visitor's own folder, or the shared one
    (core/contest/learning_curves.py saves them; core/runs/retention.py sweeps visitors')."""
    return data_dir() / "learning-curves" / (visitor or SHARED_CURVES)
