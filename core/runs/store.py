"""The run store: every training run, its settings, history, metrics and test predictions.

One schema and one code path (SQLAlchemy Core, core/runs/schema.py) over either a SQLite file,
the embedded default, or a PostgreSQL server that several app replicas share. SQLite runs in
WAL mode, so the dashboard can read while a CLI run or a background process writes. Every
write is one short transaction, so a killed process leaves the store consistent: at worst a
run stays marked `running`. Model files live in an artifacts folder; the store keeps their
path and sha256 (core/runs/artifacts.py checks it before a load).
"""

import functools
import json
import os
import socket
import uuid
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import (
    URL,
    ColumnElement,
    Engine,
    RowMapping,
    create_engine,
    event,
    make_url,
    or_,
    select,
)

from core.files import sha256_of
from core.paths import artifacts_dir, folder_of
from core.runs.schema import epochs, migrate, predictions, runs, stored_version


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
    artifact_sha256: str | None
    visitor: str | None = None  # hosted mode: the browser it belongs to; None is shared
    sweep: str | None = None  # the tuning sweep of a trial, scored on validation; None: on test

    @classmethod
    def from_row(cls, row: RowMapping, history: list[dict]) -> "RunRecord":
        values = {field.name: row[field.name] for field in fields(cls) if field.name != "history"}
        for column in ("config", "split", "metrics"):
            values[column] = json.loads(values[column])
        return cls(**values, history=history)


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


def _database_url(location: str | Path) -> URL:
    """A SQLAlchemy URL from a URL string, or from the path of a SQLite file."""
    if isinstance(location, Path) or "://" not in location:
        return URL.create("sqlite", database=str(Path(location).resolve()))
    return make_url(location)


def _sqlite_connected(connection, _record) -> None:
    connection.isolation_level = None  # the driver begins no transaction: _begin_immediate does
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    # WAL's default (NORMAL) may lose the last commits at a power cut or a host's crash;
    # FULL syncs the log at every commit, so a run reported saved stays saved.
    connection.execute("PRAGMA synchronous = FULL")


def _begin_immediate(connection) -> None:
    # Each transaction takes SQLite's write lock at its start: a deferred one that reads and then
    # writes fails at once ("database is locked") when another process wrote in between, where
    # this one waits its turn (up to the 30 s timeout). Reads take it too: they are as short.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@functools.cache
def _engine(url: str) -> Engine:
    """One engine (a pool of connections) per database and process, shared by its RunStores."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_connected)
    event.listen(engine, "begin", _begin_immediate)
    return engine


class RunStore:
    """Runs in one database; safe to use from several threads, processes and hosts.

    `location` is a database URL (`postgresql+psycopg://user@host/db`, `sqlite:///file`) or the
    path of a SQLite file. Model files go to `artifacts` (a folder or file:// URL), by default
    `$SEQLAB_ARTIFACTS`, else `artifacts/` beside the SQLite file or in the data folder.
    """

    def __init__(self, location: str | Path, artifacts: str | Path | None = None) -> None:
        url = _database_url(location)
        self.path = Path(url.database) if url.get_backend_name() == "sqlite" else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.url = url.render_as_string(hide_password=False)
        self.artifacts = folder_of(artifacts) if artifacts else artifacts_dir(self.path)
        self._engine = _engine(self.url)
        with self._engine.begin() as connection:
            migrate(connection)

    def artifact_path(self, run_id: str, suffix: str) -> Path:
        """Where a run's model file goes, in the artifacts folder."""
        return self.artifacts / f"{run_id}{suffix}"

    @property
    def schema_version(self) -> int:
        with self._engine.begin() as connection:
            return stored_version(connection)

    def create_run(
        self,
        task: str,
        dataset: str,
        model: str,
        config: dict,
        seed: int,
        split: dict,
        visitor: str | None = None,
        sweep: str | None = None,
    ) -> str:
        """Record a run as `running` and return its id (sortable by creation time).

        `visitor` is the hosted-mode browser session the run belongs to; None shares it.
        `sweep` makes it a tuning trial of that sweep, scored on the validation part.
        """
        run_id = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        with self._engine.begin() as connection:
            connection.execute(
                runs.insert().values(
                    id=run_id,
                    task=task,
                    dataset=dataset,
                    model=model,
                    config=json.dumps(config),
                    seed=seed,
                    split=json.dumps(split),
                    status="running",
                    created_at=_now(),
                    owner=_this_process(),
                    visitor=visitor,
                    sweep=sweep,
                )
            )
        return run_id

    def append_epoch(self, run_id: str, record: dict) -> None:
        """Add one epoch's metrics to the run's history: one row, so no writer loses another's."""
        with self._engine.begin() as connection:
            connection.execute(epochs.insert().values(run_id=run_id, record=json.dumps(record)))

    def replace_history(self, run_id: str, records: list[dict]) -> None:
        """Store a run's whole history at once (runs too short to record epoch by epoch)."""
        with self._engine.begin() as connection:
            connection.execute(epochs.delete().where(epochs.c.run_id == run_id))
            if records:
                connection.execute(
                    epochs.insert(),
                    [{"run_id": run_id, "record": json.dumps(record)} for record in records],
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
        """Close a run as `finished` or `stopped` with its test results, in one transaction.

        The model file at `artifact_path` must be written already: its sha256 is recorded.
        """
        if status not in ("finished", "stopped"):
            raise ValueError(f"finish() takes finished or stopped, not {status!r}")
        checksum = sha256_of(artifact_path)
        with self._engine.begin() as connection:
            connection.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(
                    status=status,
                    metrics=json.dumps(metrics),
                    train_seconds=train_seconds,
                    predict_ms=predict_ms,
                    param_count=param_count,
                    artifact_path=artifact_path,
                    artifact_sha256=checksum,
                    message=message,
                    finished_at=_now(),
                )
            )
            connection.execute(predictions.delete().where(predictions.c.run_id == run_id))
            connection.execute(
                predictions.insert().values(
                    run_id=run_id,
                    y_true=json.dumps(np.asarray(y_true).tolist()),
                    y_pred=json.dumps(np.asarray(y_pred).tolist()),
                )
            )

    def close_without_model(
        self, run_id: str, *, status: str, message: str, train_seconds: float | None = None
    ) -> None:
        """Close a run that produced nothing to evaluate: failed, or stopped before any step."""
        if status not in ("stopped", "failed"):
            raise ValueError(f"close_without_model() takes stopped or failed, not {status!r}")
        with self._engine.begin() as connection:
            connection.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(
                    status=status, message=message, train_seconds=train_seconds, finished_at=_now()
                )
            )

    def mark_abandoned(self) -> int:
        """Close as failed the running runs whose process on this host no longer exists.

        A training process killed outright (kill -9, out of memory) cannot record its own end;
        its history up to the last epoch stays. Runs of other hosts are left to those hosts.
        Returns how many runs were closed.
        """
        with self._engine.begin() as connection:
            rows = connection.execute(
                select(runs.c.id, runs.c.owner).where(
                    runs.c.status == "running",
                    runs.c.owner.like(f"{socket.gethostname()}:%"),
                )
            ).all()
            owners = [(run_id, int(owner.rpartition(":")[2])) for run_id, owner in rows]
            abandoned = [(run_id, pid) for run_id, pid in owners if not _process_alive(pid)]
            for run_id, pid in abandoned:
                connection.execute(
                    runs.update()
                    .where(runs.c.id == run_id, runs.c.status == "running")
                    .values(
                        status="failed",
                        message=f"Abandoned: the training process (pid {pid}) ended before the "
                        "run finished; the history up to then is kept.",
                        finished_at=_now(),
                    )
                )
        return len(abandoned)

    def drop_artifact(self, run_id: str, why: str) -> None:
        """Remove an ended run's model file but keep its record, scores and history; `why`
        becomes its message (a tuning trial that is not its sweep's best keeps no file)."""
        with self._engine.begin() as connection:
            row = connection.execute(
                select(runs.c.status, runs.c.artifact_path).where(runs.c.id == run_id)
            ).first()
            if row is None or row.status == "running" or not row.artifact_path:
                return
            connection.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(artifact_path=None, artifact_sha256=None, message=why)
            )
        Path(row.artifact_path).unlink(missing_ok=True)

    def delete(self, run_id: str) -> None:
        """Remove a run that has ended: its row, history and predictions, and its model file.

        A running run is refused (ValueError), as its training process still writes to it.
        Besides the file the run recorded, any `<run id>.*` in the artifacts folder goes: a
        process killed between saving the model and recording it leaves one unrecorded.
        """
        with self._engine.begin() as connection:
            row = connection.execute(
                select(runs.c.status, runs.c.artifact_path).where(runs.c.id == run_id)
            ).first()
            if row is None:
                raise KeyError(f"No run {run_id!r} in the run store")
            if row.status == "running":
                raise ValueError(f"Run {run_id} is still running; stop it before deleting it.")
            connection.execute(runs.delete().where(runs.c.id == run_id))  # epochs, predictions
        recorded = [Path(row.artifact_path)] if row.artifact_path else []
        for path in [*recorded, *self.artifacts.glob(f"{run_id}.*")]:
            path.unlink(missing_ok=True)

    def _select_runs(self, *conditions: ColumnElement[bool]) -> list[RunRecord]:
        """The runs meeting every condition, newest first, each with its history."""
        with self._engine.begin() as connection:
            found = (
                connection.execute(select(runs).where(*conditions).order_by(runs.c.number.desc()))
                .mappings()
                .all()
            )
            records = connection.execute(
                select(epochs.c.run_id, epochs.c.record)
                .join(runs, runs.c.id == epochs.c.run_id)
                .where(*conditions)
                .order_by(epochs.c.number)
            ).all()
        histories = defaultdict(list)
        for run_id, record in records:
            histories[run_id].append(json.loads(record))
        return [RunRecord.from_row(row, histories[row["id"]]) for row in found]

    def get(self, run_id: str) -> RunRecord:
        found = self._select_runs(runs.c.id == run_id)
        if not found:
            raise KeyError(f"No run {run_id!r} in the run store")
        return found[0]

    def list_runs(
        self,
        task: str | None = None,
        dataset: str | None = None,
        visitor: str | None = None,
        sweep: str | None = None,
        trials: bool = False,
    ) -> list[RunRecord]:
        """Runs newest first (by insertion), optionally only those of one task and dataset.

        Given a `visitor`, only that visitor's runs and the shared ones (no visitor) are listed.
        Tuning trials (scored on validation) are left out unless `trials` is set or `sweep`
        names their sweep, which lists that sweep's trials alone.
        """
        conditions = [
            column == value
            for column, value in ((runs.c.task, task), (runs.c.dataset, dataset))
            if value is not None
        ]
        if sweep is not None:
            conditions.append(runs.c.sweep == sweep)
        elif not trials:
            conditions.append(runs.c.sweep.is_(None))
        if visitor is not None:
            conditions.append(or_(runs.c.visitor == visitor, runs.c.visitor.is_(None)))
        return self._select_runs(*conditions)

    def predictions(self, run_id: str) -> tuple[np.ndarray, np.ndarray]:
        """The run's test labels and predictions, in test-index order."""
        with self._engine.begin() as connection:
            row = connection.execute(
                select(predictions.c.y_true, predictions.c.y_pred).where(
                    predictions.c.run_id == run_id
                )
            ).first()
        if row is None:
            raise KeyError(f"Run {run_id!r} has no stored predictions.")
        return np.asarray(json.loads(row.y_true)), np.asarray(json.loads(row.y_pred))
