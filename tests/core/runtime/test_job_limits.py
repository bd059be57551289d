"""Every job ends, in a real model worker or child process: a job that ignores its stop flag
is killed after its deadline and grace (and the worker serves again), and one whose memory
keeps growing is stopped by the watchdog. The targets are plain Python (no TensorFlow), here
so that a spawned process can import them."""

import os
import threading
import time

from core.runtime.jobs import ChildJob
from core.runtime.model_worker import ModelWorker, WorkerLost, resident_mb
from core.runtime.training_queue import TrainingQueue

CHUNK = 5 * 2**20  # bytes the growing job adds every 50 ms: about 100 MB a second


def _ignore_stop(events, stop) -> None:
    while True:  # never checks `stop`, like a thread stuck in one giant batch
        time.sleep(0.05)


def _grow(events, stop) -> None:
    chunks = []
    while not stop.is_set():
        chunks.append(bytearray(CHUNK))  # zero-filled, so resident at once
        time.sleep(0.05)
    events.put(("stopped", len(chunks)))
    events.put(("job-end",))


def _wait_forever() -> None:
    threading.Event().wait()


class PlainJob(ChildJob):
    """A job of one of the targets above; its events and how it ended, as they came."""

    def __init__(self, target, worker=None, deadline=None):
        self.events, self.ending = [], None
        super().__init__(target, (), "seqlab-plain", worker, deadline=deadline)

    def _apply(self, event):
        self.events.append(event)

    def _mark_lost(self, exit_code):
        self.ending = f"lost with exit code {exit_code}"

    def _mark_ended(self, message):
        self.ending = message


def _line() -> TrainingQueue:
    return TrainingQueue(capacity=None, grace=1.0, sweep_seconds=0.1)


def _caught(function, *args):
    try:
        function(*args)
    except Exception as error:
        return error


def test_a_job_that_ignores_its_deadline_is_killed_with_its_worker_which_serves_again():
    worker = ModelWorker()
    try:
        first = worker.call(os.getpid)
        caller_saw = []
        caller = threading.Thread(
            target=lambda: caller_saw.append(_caught(worker.call, _wait_forever))
        )
        caller.start()
        stuck = PlainJob(_ignore_stop, worker, deadline=0.5)
        _line().submit(stuck)
        assert stuck.wait(30)
        assert stuck.ending == (
            "Stopped at its deadline of 0.5 s on this shared server. It did not stop when "
            "asked, so its process was ended; what it had not yet recorded is lost."
        )
        caller.join(30)
        assert isinstance(caller_saw[0], WorkerLost)  # the worker's other work failed
        assert worker.call(os.getpid) not in (first, None)  # a new worker serves
    finally:
        worker.close()


def test_outside_the_worker_a_kill_ends_only_the_jobs_own_process():
    stuck = PlainJob(_ignore_stop, deadline=0.5)
    _line().submit(stuck)
    assert stuck.wait(30)
    assert stuck.ending.startswith("Stopped at its deadline of 0.5 s")
    assert stuck._process.exitcode < 0  # killed by a signal


def _oom_score() -> str:
    with open("/proc/self/oom_score_adj") as score:
        return score.read().strip()


def test_a_job_whose_memory_keeps_growing_is_stopped_by_the_watchdog(monkeypatch):
    """The limit holds for the app and the worker together, as a container's does: here the
    test's own process is the app, so the worker has about 250 MB before the limit."""
    limit = round(resident_mb(os.getpid()) + 250)
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    monkeypatch.setenv("SEQLAB_MEMORY_MB", str(limit))
    worker = ModelWorker()
    try:
        assert worker.memory_mb == limit
        assert worker.call(_oom_score) == "1000"  # the kernel's first choice, not the app
        growing = PlainJob(_grow, worker).start()
        assert growing.wait(60)
        assert growing.stop_reason.startswith(
            "Stopped: it needed more memory than this shared server allows ("
        )
        assert growing.stop_reason.endswith(f" MB of {limit} MB, with the app's).")
        [(kind, chunks)] = growing.events  # it heard the stop and ended itself
        assert kind == "stopped" and chunks * CHUNK >= 50 * 2**20  # it grew, then was stopped
        assert growing.ending is None
    finally:
        worker.close()


def test_outside_hosted_mode_nothing_watches_the_memory_and_jobs_have_no_deadline():
    assert ModelWorker().memory_mb is None  # no process starts before a request
    assert PlainJob(_ignore_stop).deadline is None
