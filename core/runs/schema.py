"""The run store's tables, one SQLAlchemy Core schema for SQLite and PostgreSQL, and its migrations.

An empty database gets the current tables at once. A database written by an earlier seqlab is
upgraded step by step: `UPGRADES[n - 1]` takes version n to n + 1. The version lives in the
`schema_version` table; SQLite stores before version 3 kept it in `PRAGMA user_version`, which
is still set so that an older seqlab refuses a store it cannot read. Migrating is one
transaction that holds a lock (SQLite's write lock, a PostgreSQL advisory lock), so of several
processes starting at once one migrates and the others then find the store current.
"""

from collections.abc import Callable

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    inspect,
    select,
    text,
)

STATUSES = ("running", "finished", "stopped", "failed")

metadata = MetaData()


def _runs_table(metadata: MetaData, *later_columns: Column) -> Table:
    """The runs table as version 3 made it, plus the columns later versions added."""
    return Table(
        "runs",
        metadata,
        # Insertion order, for listing newest first; the text id is what everything else uses.
        Column("number", Integer, primary_key=True, autoincrement=True),
        Column("id", Text, nullable=False, unique=True),
        Column("task", Text, nullable=False),
        Column("dataset", Text, nullable=False),
        Column("model", Text, nullable=False),
        Column("config", Text, nullable=False),  # JSON, as are split and metrics
        Column("seed", Integer, nullable=False),
        Column("split", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("metrics", Text, nullable=False, server_default="{}"),
        Column("train_seconds", Float),
        Column("predict_ms", Float),
        Column("param_count", Integer),
        Column("artifact_path", Text),
        Column("artifact_sha256", Text),
        Column("message", Text, nullable=False, server_default=""),
        Column("created_at", Text, nullable=False),
        Column("finished_at", Text),
        Column("owner", Text),  # "host:pid" of the training process, so a killed run can be found
        *later_columns,
        CheckConstraint(f"status IN {STATUSES}", name="runs_status"),
        Index("runs_by_task_dataset", "task", "dataset"),
    )


runs = _runs_table(
    metadata,
    # v4: the browser session that trained the run in hosted mode (core/hosting.py), which
    # alone sees it there; NULL for runs every visitor sees (the CLI's, reference runs, and
    # every run made outside hosted mode).
    Column("visitor", Text),
    # v5: the tuning sweep a trial belongs to (core/contest/tuning.py). A trial is scored on
    # the validation part, never the test part, so leaderboards and verdicts leave trials
    # out; NULL for every run scored on the test part.
    Column("sweep", Text),
)

# One row per epoch, in insertion order: concurrent writers each add a row, none can overwrite
# another's, and a run's history is assembled on reading.
epochs = Table(
    "epochs",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Text, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("record", Text, nullable=False),  # JSON: the epoch's logs
)

predictions = Table(
    "predictions",
    metadata,
    Column("run_id", Text, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("y_true", Text, nullable=False),  # JSON lists, in test-index order
    Column("y_pred", Text, nullable=False),
)

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

MIGRATION_LOCK = 7_311_142  # any constant: the PostgreSQL advisory lock key for migrating


def _add_owner(connection: Connection) -> None:
    """v1 -> v2 (SQLite only): who trains a running run."""
    connection.exec_driver_sql("ALTER TABLE runs ADD COLUMN owner TEXT")


def _epochs_in_rows(connection: Connection) -> None:
    """v2 -> v3 (SQLite only): history moves to `epochs`, runs gain `number` and a checksum.

    SQLite cannot change a primary key in place, so the tables are rebuilt and the rows copied
    in their insertion order. This is the first version written through SQLAlchemy; it makes
    the runs table as version 3 had it (a later version that changes epochs or predictions must
    likewise freeze their version 3 here).
    """
    for statement in (
        "DROP INDEX runs_by_task_dataset",
        "ALTER TABLE runs RENAME TO v2_runs",
        "ALTER TABLE predictions RENAME TO v2_predictions",
    ):
        connection.exec_driver_sql(statement)
    version_3_runs = _runs_table(MetaData())
    version_3_runs.create(connection)
    metadata.create_all(connection, tables=[epochs, predictions])
    copied = ", ".join(
        column.name
        for column in version_3_runs.columns
        if column.name not in ("number", "artifact_sha256")
    )
    for statement in (
        f"INSERT INTO runs ({copied}) SELECT {copied} FROM v2_runs ORDER BY rowid",
        "INSERT INTO epochs (run_id, record) SELECT v2_runs.id, json_each.value "
        "FROM v2_runs, json_each(v2_runs.history) ORDER BY v2_runs.rowid, json_each.key",
        "INSERT INTO predictions SELECT run_id, y_true, y_pred FROM v2_predictions",
        "DROP TABLE v2_predictions",
        "DROP TABLE v2_runs",
    ):
        connection.exec_driver_sql(statement)


def _add_visitor(connection: Connection) -> None:
    """v3 -> v4: the hosted-mode visitor a run belongs to (NULL: shared with everyone)."""
    connection.exec_driver_sql("ALTER TABLE runs ADD COLUMN visitor TEXT")


def _add_sweep(connection: Connection) -> None:
    """v4 -> v5: the tuning sweep a trial run belongs to (NULL: a run scored on test)."""
    connection.exec_driver_sql("ALTER TABLE runs ADD COLUMN sweep TEXT")


UPGRADES: tuple[Callable[[Connection], None], ...] = (
    _add_owner,
    _epochs_in_rows,
    _add_visitor,
    _add_sweep,
)
SCHEMA_VERSION = len(UPGRADES) + 1


def stored_version(connection: Connection) -> int:
    """The schema version of the connected database; 0 when it is empty."""
    if inspect(connection).has_table("schema_version"):
        return connection.execute(select(schema_version.c.version)).scalar_one()
    if connection.dialect.name == "sqlite":
        return connection.exec_driver_sql("PRAGMA user_version").scalar_one()
    return 0


def migrate(connection: Connection) -> None:
    """Bring the database to SCHEMA_VERSION inside the caller's transaction, under a lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    # On SQLite the transaction began with BEGIN IMMEDIATE: it already holds the write lock.
    version = stored_version(connection)
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"The run store {version=} is newer than this seqlab "
            f"(knows {SCHEMA_VERSION}); upgrade seqlab."
        )
    if version == 0:
        metadata.create_all(connection)
    else:
        for upgrade in UPGRADES[version - 1 :]:
            upgrade(connection)
        metadata.create_all(connection, tables=[schema_version])
    connection.execute(schema_version.delete())
    connection.execute(schema_version.insert().values(version=SCHEMA_VERSION))
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
