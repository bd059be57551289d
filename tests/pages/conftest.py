"""Fixtures and fakes for page tests: hosted mode, another visitor's job, a worker of threads."""

import threading

import pytest

from core.runtime.model_worker import ModelWorker
from dashboard import hosting

# The app under AppTest is the test process itself, holding TensorFlow and what earlier tests
# loaded: hosted mode's limit on the app and its worker together means nothing there, and the
# watchdog would end every test's worker. It is tested on its own (test_job_limits.py).
UNWATCHED_MB = 1_000_000


def unwatched_worker() -> ModelWorker:
    """A model worker for a page test: hosted in all but the memory watchdog."""
    return ModelWorker(memory_mb=UNWATCHED_MB)


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
    worker = unwatched_worker()
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

    def request_stop(self, reason=None):
        """Heard after the queue's patience, once the test has left it behind."""
        self.stop_requested = True

    def kill(self):
        self.done = True


class ThreadWorker:
    """A model worker that runs each job in a thread of the test's own process, so the test's
    monkeypatches reach the job's code."""

    def __init__(self) -> None:
        self.stops: list[threading.Event] = []

    def call(self, function, *args, **kwargs):
        return function(*args, **kwargs)

    def run_job(self, job, target, args: tuple, stopped: bool = False) -> int:
        stop = threading.Event()
        if stopped:
            stop.set()
        self.stops.append(stop)
        threading.Thread(target=target, args=(*args, _Delivered(job), stop), daemon=True).start()
        return len(self.stops) - 1

    def stop_job(self, number: int) -> None:
        self.stops[number].set()


class _Delivered:
    def __init__(self, job) -> None:
        self.job = job

    def put(self, event: tuple) -> None:
        self.job.deliver(event)
