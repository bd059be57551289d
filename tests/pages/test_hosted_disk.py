"""Hosted mode holds the disk within bounds: the first visit removes the partial files a crash
left and starts the retention sweep, once per process, and a visitor over their disk quota
is refused a training with the sizes."""

import threading

import pytest
from streamlit.testing.v1 import AppTest

from core.paths import data_dir, store_url
from core.runs.store import RunStore
from dashboard import hosting
from tests.core.runs.test_retention import make_run
from tests.pages.conftest import unwatched_worker
from tests.pages.helpers import ENTRY, TIMEOUT, open_page, readable


@pytest.fixture(autouse=True)
def sweeps(monkeypatch):
    """Hosted mode, fresh start-up resources; reference runs skipped, sweeps only noted."""
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    monkeypatch.setattr(hosting, "_prepare_reference_runs", lambda store: None)
    started = []
    monkeypatch.setattr(hosting, "keep_sweeping", lambda store, folder: started.append(folder))
    resources = (hosting._adopt_secrets, hosting._start_reference_runs, hosting._start_retention)
    for resource in resources:
        resource.clear()
    worker = unwatched_worker()
    monkeypatch.setattr(hosting, "_shared_worker", lambda: worker)
    yield started
    worker.close()
    for resource in resources:
        resource.clear()


def test_the_first_visit_removes_partial_files_and_starts_one_sweep(sweeps):
    partial = data_dir() / "uploads" / ".partial-k2j4l1.json"
    partial.parent.mkdir(parents=True)
    partial.write_text("{")
    open_page()
    open_page()
    for thread in threading.enumerate():
        if thread.name == "seqlab-retention":
            thread.join(timeout=10)
    assert not partial.exists()
    assert sweeps == [data_dir()]


def test_a_visitor_over_the_disk_quota_is_refused_a_training(monkeypatch):
    monkeypatch.setenv("SEQLAB_VISITOR_DISK_MB", "0.001")  # about 1 KB
    make_run(RunStore(store_url()), days_old=0, visitor="me", model_bytes=2 * 1024 * 1024)
    app = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    app.session_state["visitor"] = "me"
    app.run()
    app.switch_page("../pages/sequence_classification.py").run()
    app.button(key="train").click().run()
    assert not app.exception, app.exception
    assert any(
        "Your runs and uploads take 2.0 MB of the 0.001 MB each visitor may keep" in text
        for text in readable(app.error)
    ), readable(app.error)
    assert "training_job" not in app.session_state
