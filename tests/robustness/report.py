"""The robustness figures the tests measure, gathered in `.reports/robustness.json`.

Each test adds its own section (files tried, faults injected, sessions held...) to one JSON
file; test files run on separate pytest-xdist workers, so every update takes a file lock and
rewrites the whole file atomically.
"""

import fcntl
import json
from datetime import UTC, datetime

from core.files import write_atomically
from core.paths import REPO_ROOT

REPORT = REPO_ROOT / ".reports" / "robustness.json"


def record(section: str, figures: dict) -> None:
    """Set `section` of the report to `figures` (plain JSON values), keeping the others."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with open(REPORT.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
        report[section] = {
            **figures,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        content = json.dumps(report, indent=2, sort_keys=True) + "\n"
        write_atomically(REPORT, lambda target: target.write_text(content))
