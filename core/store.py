"""The run store: every training run, its settings, history, metrics and test predictions.

SQLite in WAL mode, so the dashboard can read while a CLI run or a background thread writes.
The schema is versioned with `PRAGMA user_version`; `MIGRATIONS[n]` takes version n to n+1.
Every write is one short transaction on its own connection, so a killed process leaves the
store consistent: at worst a run stays marked `running`.
"""

import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

STATUSES = ("running", "finished", "stopped", "failed")

MIGRATIONS = (
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        dataset TEXT NOT NULL,
        model TEXT NOT NULL,
        config TEXT NOT NULL,
        seed INTEGER NOT NULL,
        split TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'failed')),
        history TEXT NOT NULL DEFAULT '[]',
        metrics TEXT NOT NULL DEFAULT '{}',
        train_seconds REAL,
        predict_ms REAL,
        param_count INTEGER,
        artifact_path TEXT,
        message TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX runs_by_task_dataset ON runs (task, dataset);
    CREATE TABLE predictions (
        run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        y_true TEXT NOT NULL,
        y_pred TEXT NOT NULL
    );
    """,
    # v2: which process trains a running run ("host:pid"), so a killed run can be found.
    """
    ALTER TABLE runs ADD COLUMN owner TEXT;
    """,
)


@dataclass(frozen=True)
class RunRecord:
    id: str
    task: str
    dataset: str
    model: str
    config: dict
    seed: int
    split: dict
    status: str
    history: list
    metrics: dict
    train_seconds: float | None
    predict_ms: float | None
    param_count: int | None
    artifact_path: str | None
    message: str
    created_at: str
    finished_at: str | None
    owner: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "RunRecord":
        values = dict(row)
        for column in ("config", "split", "history", "metrics"):
            values[column] = json.loads(values[column])
        return cls(**values)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 checks existence without signalling
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


class RunStore:
    """Runs in one SQLite file; safe to use from several threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            self._migrate(connection)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        try:
            yield connection
        finally:
            connection.close()

    @staticmethod
    def _migrate(connection: sqlite3.Connection) -> None:
        connection.execute("BEGIN IMMEDIATE")  # one process migrates; others wait, then see it
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise RuntimeError(
                    f"The run store {version=} is newer than this seqlab "
                    f"(knows {len(MIGRATIONS)}); upgrade seqlab."
                )
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number + 1}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def artifact_path(self, run_id: str, suffix: str) -> Path:
        """Where a run's model file goes: an `artifacts/` folder beside the database."""
        return self.path.parent / "artifacts" / f"{run_id}{suffix}"

    @property
    def schema_version(self) -> int:
        with self._connect() as connection:
            return connection.execute("PRAGMA user_version").fetchone()[0]

    def create_run(
        self, task: str, dataset: str, model: str, config: dict, seed: int, split: dict
    ) -> str:
        """Record a run as `running` and return its id (sortable by creation time)."""
        run_id = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO runs (id, task, dataset, model, config, seed, split, status, "
                "created_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
                (
                    run_id,
                    task,
                    dataset,
                    model,
                    json.dumps(config),
                    seed,
                    json.dumps(split),
                    _now(),
                    _this_process(),
                ),
            )
        return run_id

    def append_epoch(self, run_id: str, record: dict) -> None:
        """Add one epoch's metrics to the run's history in a single atomic statement."""
        with self._connect() as connection:
            connection.execute(
                "UPDATE runs SET history = json_insert(history, '$[#]', json(?)) WHERE id = ?",
                (json.dumps(record), run_id),
            )

    def replace_history(self, run_id: str, records: list[dict]) -> None:
        """Store a run's whole history at once (runs too short to record epoch by epoch)."""
        with self._connect() as connection:
            connection.execute(
                "UPDATE runs SET history = ? WHERE id = ?", (json.dumps(records), run_id)
            )

    def finish(
        self,
        run_id: str,
        *,
        status: str,
        metrics: dict,
        train_seconds: float,
        predict_ms: float,
        param_count: int,
        artifact_path: str,
        message: str,
        y_true: np.ndarray,
        y_pred: np.ndarray,
    ) -> None:
        """Close a run as `finished` or `stopped` with its test results, in one transaction."""
        if status not in ("finished", "stopped"):
            raise ValueError(f"finish() takes finished or stopped, not {status!r}")
        with self._connect() as connection:
            connection.execute("BEGIN")
            connection.execute(
                "UPDATE runs SET status = ?, metrics = ?, train_seconds = ?, predict_ms = ?, "
                "param_count = ?, artifact_path = ?, message = ?, finished_at = ? WHERE id = ?",
                (
                    status,
                    json.dumps(metrics),
                    train_seconds,
                    predict_ms,
                    param_count,
                    artifact_path,
                    message,
                    _now(),
                    run_id,
                ),
            )
            connection.execute(
                "INSERT OR REPLACE INTO predictions (run_id, y_true, y_pred) VALUES (?, ?, ?)",
                (
                    run_id,
                    json.dumps(np.asarray(y_true).tolist()),
                    json.dumps(np.asarray(y_pred).tolist()),
                ),
            )
            connection.execute("COMMIT")

    def close_without_model(
        self, run_id: str, *, status: str, message: str, train_seconds: float | None = None
    ) -> None:
        """Close a run that produced nothing to evaluate: failed, or stopped before any step."""
        if status not in ("stopped", "failed"):
            raise ValueError(f"close_without_model() takes stopped or failed, not {status!r}")
        with self._connect() as connection:
            connection.execute(
                "UPDATE runs SET status = ?, message = ?, train_seconds = ?, "
                "finished_at = ? WHERE id = ?",
                (status, message, train_seconds, _now(), run_id),
            )

    def mark_abandoned(self) -> int:
        """Close as failed the running runs whose process on this host no longer exists.

        A training process killed outright (kill -9, out of memory) cannot record its own end;
        its history up to the last epoch stays. Returns how many runs were closed.
        """
        host = socket.gethostname()
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT id, owner FROM runs WHERE status = 'running' AND owner LIKE ?",
                (f"{host}:%",),
            ).fetchall()
            owners = [(row["id"], int(row["owner"].rpartition(":")[2])) for row in rows]
            abandoned = [(run_id, pid) for run_id, pid in owners if not _process_alive(pid)]
            for run_id, pid in abandoned:
                connection.execute(
                    "UPDATE runs SET status = 'failed', message = ?, finished_at = ? "
                    "WHERE id = ? AND status = 'running'",
                    (
                        f"Abandoned: the training process (pid {pid}) ended before the run "
                        "finished; the history up to then is kept.",
                        _now(),
                        run_id,
                    ),
                )
        return len(abandoned)

    def get(self, run_id: str) -> RunRecord:
        with self._connect() as connection:
            row = connection.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"No run {run_id!r} in {self.path}")
        return RunRecord.from_row(row)

    def list_runs(self, task: str | None = None, dataset: str | None = None) -> list[RunRecord]:
        """Runs newest first (by insertion), optionally only those of one task and dataset."""
        query, parameters = "SELECT * FROM runs WHERE 1 = 1", []
        for column, value in (("task", task), ("dataset", dataset)):
            if value is not None:
                query += f" AND {column} = ?"
                parameters.append(value)
        with self._connect() as connection:
            rows = connection.execute(query + " ORDER BY rowid DESC", parameters).fetchall()
        return [RunRecord.from_row(row) for row in rows]

    def predictions(self, run_id: str) -> tuple[np.ndarray, np.ndarray]:
        """The run's test labels and predictions, in test-index order."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT y_true, y_pred FROM predictions WHERE run_id = ?", (run_id,)
            ).fetchone()
        if row is None:
            raise KeyError(f"Run {run_id!r} has no stored predictions.")
        return np.asarray(json.loads(row["y_true"])), np.asarray(json.loads(row["y_pred"]))
