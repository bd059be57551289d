"""A fixture for page tests that run the app in hosted mode."""

import pytest

from core.runtime.model_worker import ModelWorker
from dashboard import hosting


@pytest.fixture
def hosted_mode(monkeypatch):
    """Hosted mode with one training at a time, a fresh process-wide queue and the test's own
    model worker (a worker keeps the data folder it started in); the reference runs are not
    trained, which would add runs to the test's store."""
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    monkeypatch.setenv("SEQLAB_MAX_TRAININGS", "1")
    monkeypatch.setattr(hosting, "_prepare_reference_runs", lambda store: None)
    resources = (hosting._queue, hosting._adopt_secrets, hosting._start_reference_runs)
    for resource in resources:
        resource.clear()
    worker = ModelWorker()
    monkeypatch.setattr(hosting, "_shared_worker", lambda: worker)
    yield worker
    worker.close()
    for resource in resources:
        resource.clear()


class Running:
    """Another visitor's job that holds the only slot until the test lets it finish."""

    visitor, deadline, label = None, None, "training"
    done = stop_requested = False

    def start(self):
        return self

    def cancel(self, message):
        raise AssertionError("a running job is never cancelled")
