"""Disk that cannot grow without bound on a shared server (hosted mode, core/hosting.py).

Three things hold the data folder within its settings:

- a quota: a visitor whose runs and uploads take more than `visitor_disk_mb` may not upload
  or train again until some are gone (`check_visitor_quota`, called before an upload is
  stored and before a training is submitted);
- a sweep (`sweep`; `keep_sweeping` runs one every hour): visitors' runs, uploads and
  learning curves older than `keep_days` go; the Hacker News cache is trimmed to a tenth of
  `disk_mb`; then, while the data folder still takes more than `disk_mb`, the oldest of
  them go;
- at start, the temporary files of writes a crash cut short (`remove_partial_files`).

What a visitor owns: their runs (the store's `visitor` column), the runs' model files, and the
uploads those runs were trained on. Uploads record no owner (the same content from two
visitors is one file, core/data/upload_store.py), so an upload no run has used yet counts
against nobody's quota; it is bounded by the upload size cap, by its age and by the total.

Shared runs (no visitor: the reference runs, the CLI's) are never swept, even when the folder
stays over `disk_mb` with nothing else left: the reference runs are a few small baseline
files that every visitor compares against, and the app would only train them again at its
next start. The summary then says how far over the folder still is.

Runs still running are never removed: their training process writes to them. The sweep is
safe beside a serving app: each removal is one store transaction or one file, and a file
already gone is passed over.
"""

import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.data.hacker_news import cache_dir, cached_story_ids
from core.data.upload_store import stored_uploads
from core.data.uploads import MEGABYTE
from core.errors import UserFacingError
from core.hosting import HostingSettings, hosting_settings
from core.paths import curves_dir
from core.runs.store import RunStore

PARTIAL_PREFIX = ".partial-"  # core/files.write_atomically's temporary files
# The Hacker News cache is shared by every visitor and refetched on demand: it may keep this
# share of the disk cap, its oldest threads going first beyond it.
HACKER_NEWS_SHARE = 0.1
SWEEP_EVERY_SECONDS = 3600


class DiskQuotaExceeded(UserFacingError):
    """A visitor's runs and uploads take their whole share of the shared server's disk."""


def _size(path: str | Path | None) -> int:
    """Bytes of the file at `path`; 0 when there is none (never written, or already gone)."""
    try:
        return os.stat(path).st_size if path else 0
    except FileNotFoundError:
        return 0


def _folder_bytes(folder: Path) -> int:
    return sum(_size(path) for path in folder.rglob("*") if path.is_file())


def _megabytes(num_bytes: float) -> str:
    return f"{num_bytes / MEGABYTE:.1f} MB"


def remove_partial_files(*folders: Path) -> list[Path]:
    """Delete the temporary files of atomic writes (`.partial-*`) under `folders` (the data
    folder, and the artifacts folder where it is elsewhere); returns them.

    A crash mid-write leaves one, which nothing ever reads or renames. Meant for the start of
    the app, before it writes anything: a replica sharing the folder may be writing one now.
    """
    removed = []
    for folder in folders:
        for path in folder.rglob(f"{PARTIAL_PREFIX}*"):
            if path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def visitor_disk_bytes(store: RunStore, visitor: str) -> int:
    """Bytes that `visitor`'s run model files and the uploads their runs used take."""
    runs = [run for run in store.list_runs(visitor=visitor, trials=True) if run.visitor == visitor]
    used = {run.dataset for run in runs}
    uploads = sum(_size(path) for path in stored_uploads() if path.stem in used)
    return sum(_size(run.artifact_path) for run in runs) + uploads


def check_visitor_quota(
    store: RunStore, visitor: str | None, settings: HostingSettings, adding_bytes: int = 0
) -> None:
    """Raise DiskQuotaExceeded when `visitor`'s runs and uploads, with `adding_bytes` more,
    take over `settings.visitor_disk_mb`. Only in hosted mode, and only for a visitor: the
    CLI's and the shared runs have no quota."""
    if not settings.hosted or visitor is None:
        return
    used = visitor_disk_bytes(store, visitor) + adding_bytes
    if used <= settings.visitor_disk_mb * MEGABYTE:
        return
    take = "with this file would take" if adding_bytes else "take"
    raise DiskQuotaExceeded(
        f"Your runs and uploads {take} {_megabytes(used)} of the "
        f"{settings.visitor_disk_mb:g} MB each visitor may keep on this shared server; wait "
        f"for older ones to go: runs and uploads older than {settings.keep_days:g} days are "
        "removed."
    )


@dataclass(frozen=True)
class _Removable:
    """A visitor's run or an upload the sweep may remove: when it was last used, its bytes."""

    when: datetime
    num_bytes: int
    remove: Callable[[], None]
    kind: str  # "runs", "uploads" or "curves"


@dataclass
class SweepSummary:
    """What one sweep removed, for the log."""

    removed: Counter = field(default_factory=Counter)  # "runs", "uploads", "curves", "threads"
    bytes_freed: int = 0
    bytes_over: int = 0  # what the data folder still takes beyond disk_mb; 0 when within

    def line(self) -> str:
        over = f"; still {_megabytes(self.bytes_over)} over the cap" if self.bytes_over else ""
        return (
            f"Retention sweep: removed {self.removed['runs']} runs, {self.removed['uploads']} "
            f"uploads, {self.removed['curves']} learning curves and "
            f"{self.removed['threads']} Hacker News threads, "
            f"{_megabytes(self.bytes_freed)} freed{over}."
        )


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _removables(store: RunStore) -> list[_Removable]:
    """Visitors' ended runs and every upload, oldest first. An upload was last used when it
    was uploaded or when the newest run on it started, whichever came later."""
    runs = store.list_runs(trials=True)
    last_run_on: dict[str, datetime] = {}
    for run in runs:
        started = datetime.fromisoformat(run.created_at)
        last_run_on[run.dataset] = max(started, last_run_on.get(run.dataset, started))
    found = [
        _Removable(
            datetime.fromisoformat(run.created_at),
            _size(run.artifact_path),
            lambda run_id=run.id: store.delete(run_id),
            "runs",
        )
        for run in runs
        if run.visitor is not None and run.status != "running"
    ]
    for path in stored_uploads():
        try:
            uploaded = _modified(path)
        except FileNotFoundError:  # removed since it was listed
            continue
        when = max(uploaded, last_run_on.get(path.stem, uploaded))
        found.append(_Removable(when, _size(path), path.unlink, "uploads"))
    for path in _visitors_curves():
        found.append(_Removable(_modified(path), _size(path), path.unlink, "curves"))
    return sorted(found, key=lambda removable: removable.when)


def _visitors_curves() -> list[Path]:
    """The learning curves hosted-mode visitors saved, each in their own folder."""
    shared = curves_dir()
    return [path for path in shared.parent.glob("*/*.json") if path.parent != shared]


def _remove(removable: _Removable, summary: SweepSummary) -> int:
    """Remove it and count it; returns the bytes freed (0 when it was gone already)."""
    try:
        removable.remove()
    except (FileNotFoundError, KeyError):  # removed meanwhile, by another replica's sweep
        return 0
    summary.removed[removable.kind] += 1
    summary.bytes_freed += removable.num_bytes
    return removable.num_bytes


def _trim_hacker_news(bound_bytes: float, summary: SweepSummary) -> None:
    """Remove the oldest cached threads until the cache takes at most `bound_bytes`."""
    threads = [cache_dir() / f"{story_id}.json" for story_id in cached_story_ids()]
    threads.sort(key=lambda path: path.stat().st_mtime)
    total = sum(_size(path) for path in threads)
    for path in threads:
        if total <= bound_bytes:
            return
        num_bytes = _size(path)
        path.unlink(missing_ok=True)
        total -= num_bytes
        summary.removed["threads"] += 1
        summary.bytes_freed += num_bytes


def _disk_bytes(store: RunStore, data_dir: Path) -> int:
    """What the data folder takes, with the artifacts folder where that is elsewhere."""
    total = _folder_bytes(data_dir)
    if not store.artifacts.resolve().is_relative_to(data_dir.resolve()):
        total += _folder_bytes(store.artifacts)
    return total


def sweep(
    store: RunStore, data_dir: Path, settings: HostingSettings, now: datetime | None = None
) -> SweepSummary:
    """Remove what is too old, then the oldest until the data folder fits `disk_mb` (see the
    module's docstring for the order and what is never removed); returns what went."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.keep_days)
    summary = SweepSummary()
    removables = _removables(store)
    for removable in removables:
        if removable.when < cutoff:
            _remove(removable, summary)
    _trim_hacker_news(settings.disk_mb * MEGABYTE * HACKER_NEWS_SHARE, summary)
    # The database file does not shrink as rows go: model files and uploads are what frees.
    over = _disk_bytes(store, data_dir) - settings.disk_mb * MEGABYTE
    for removable in removables:
        if over <= 0:
            break
        if removable.when >= cutoff:
            over -= _remove(removable, summary)
    summary.bytes_over = max(0, int(over))
    return summary


def keep_sweeping(
    store: RunStore, data_dir: Path, every_seconds: float = SWEEP_EVERY_SECONDS
) -> None:
    """Sweep now and then every `every_seconds`, for ever: a daemon thread's loop. Each sweep
    reads the settings afresh and logs its line to standard error."""
    while True:
        try:
            line = sweep(store, data_dir, hosting_settings()).line()
        except Exception as error:  # logged: one failed sweep must not end the later ones
            line = f"Retention sweep failed: {error!r}"
        print(line, file=sys.stderr, flush=True)
        time.sleep(every_seconds)
