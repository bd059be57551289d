"""At most N jobs at once in one app process; the others wait their turn, in order; every job
ends.

Every training is TensorFlow work in the model worker (or a child process of its own), so on a
host with little memory a public app lets only a few run together (hosted mode's
SEQLAB_MAX_TRAININGS). A job submitted while every slot is taken waits in line; finished jobs
give up their slots and the next in line start, checked whenever the line is looked at and
every second by the queue's own thread while it holds jobs.

The rules that make the line fair and keep it moving:
- One job per visitor: a visitor with a job waiting or running cannot queue another
  (`AlreadyQueued`). With that, first come first served is also in turn: nobody gets a second
  place in the line before everyone ahead has had theirs.
- A job runs until its `deadline` (seconds; hosted mode's SEQLAB_JOB_SECONDS), then is asked to
  stop; its partial result is kept.
- A visitor who closes the tab stops looking (each page asks after its job every second): a
  waiting job not asked about for `patience` seconds leaves the line, and, where
  `stop_unwatched` (hosted mode), a running one is asked to stop.
- A job asked to stop, for any of these reasons or by its visitor, that has not ended
  `grace` seconds later is killed (core.runtime.jobs.ChildJob.kill): a thread stuck building a
  huge model or in one giant batch never reaches the check of its stop flag.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from core.errors import UserFacingError

# Seconds a job asked to stop has to end before it is killed: longer than a training process
# takes to load TensorFlow on a busy 2-core machine (up to 27 s measured), after which it
# reads its stop flag.
STOP_GRACE = 45.0
SWEEP_SECONDS = 1.0  # how often the queue's thread applies the rules while it holds jobs


class AlreadyQueued(UserFacingError):
    """The visitor already has a job waiting or running."""


class Job(Protocol):
    """What the queue needs of a job (core.runtime.jobs.ChildJob has it)."""

    visitor: str | None
    deadline: float | None
    label: str

    @property
    def done(self) -> bool: ...

    @property
    def stop_requested(self) -> bool: ...

    def start(self) -> object: ...

    def cancel(self, message: str) -> None: ...

    def request_stop(self, reason: str | None = None) -> None: ...

    def kill(self) -> None: ...


@dataclass
class _Place:
    """A job in the line or in a slot, and the times the rules need."""

    job: Job
    seen: float  # when its page last asked about it
    started: float | None = None
    stop_seen: float | None = None  # when the queue first found it asked to stop
    killed: bool = False


class TrainingQueue:
    """A first-come, first-served line in front of `capacity` slots; thread-safe."""

    def __init__(
        self,
        capacity: int | None,
        patience: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        stop_unwatched: bool = False,
        grace: float = STOP_GRACE,
        sweep_seconds: float | None = SWEEP_SECONDS,
    ) -> None:
        """`capacity` None means no limit: every job starts at once. `sweep_seconds` None
        leaves the rules to whoever looks at the line (tests with a fake `clock`)."""
        self.capacity, self.patience, self.clock = capacity, patience, clock
        self.stop_unwatched, self.grace, self.sweep_seconds = stop_unwatched, grace, sweep_seconds
        self._lock = threading.Lock()
        self._running: list[_Place] = []
        self._waiting: list[_Place] = []
        self._sweeping = False

    def submit(self, job: Job) -> None:
        """Start `job` now if a slot is free, else put it at the end of the line; raises
        AlreadyQueued, naming it, when the job's visitor already has one waiting or running."""
        with self._lock:
            self._advance()
            if job.visitor is not None:
                self._refuse_a_second(job.visitor)
            self._waiting.append(_Place(job, self.clock()))
            self._advance()
            self._keep_sweeping()

    def ahead_of(self, job: Job) -> int | None:
        """How many jobs run or wait before `job` starts; None once it has started (or left
        the line). Asking also keeps the job's place, or keeps it running, and lets the line
        move on."""
        with self._lock:
            for place in self._running + self._waiting:
                if place.job is job:
                    place.seen = self.clock()
            self._advance()
            for index, place in enumerate(self._waiting):
                if place.job is job:
                    return len(self._running) + index
            return None

    def visitor_seen(self, visitor: str) -> None:
        """The visitor's page is open (any page of the app): their jobs are still wanted."""
        with self._lock:
            now = self.clock()
            for place in self._running + self._waiting:
                if place.job.visitor == visitor:
                    place.seen = now

    def withdraw(self, job: Job) -> bool:
        """Take a waiting job out of the line; True if it was waiting (it then never starts)."""
        with self._lock:
            before = len(self._waiting)
            self._waiting = [place for place in self._waiting if place.job is not job]
            return len(self._waiting) < before

    @property
    def running(self) -> int:
        with self._lock:
            self._advance()
            return len(self._running)

    def _refuse_a_second(self, visitor: str) -> None:
        for places, where in ((self._running, "running"), (self._waiting, "waiting in line")):
            for place in places:
                if place.job.visitor == visitor and not place.job.done:
                    raise AlreadyQueued(
                        f"Your {place.job.label} is still {where}: this shared server "
                        "runs one job per visitor at a time, so that everyone gets a turn. "
                        "Wait for it to end, or stop it, then start this one."
                    )

    def _advance(self) -> None:
        """Apply the rules to the running jobs, free the slots of finished ones, drop forgotten
        waiters, start the next in line (lock held)."""
        now = self.clock()
        for place in self._running:
            self._hold_to_rules(place, now)
        self._running = [place for place in self._running if not place.job.done]
        kept = []
        for place in self._waiting:
            if now - place.seen > self.patience:
                place.job.cancel(
                    f"Not started: it left the queue after {self.patience:.0f} s in which this "
                    "page did not check on it (a closed or long-hidden tab). Train again."
                )
            else:
                kept.append(place)
        self._waiting = kept
        while self._waiting and (self.capacity is None or len(self._running) < self.capacity):
            place = self._waiting.pop(0)
            place.job.start()
            place.started = place.seen = now
            self._running.append(place)

    def _hold_to_rules(self, place: _Place, now: float) -> None:
        """Ask a running job to stop at its deadline or once its page is gone; kill it when a
        stop request has gone unheeded for `grace` seconds."""
        job = place.job
        if job.done:
            return
        if not job.stop_requested:
            if job.deadline is not None and now - place.started > job.deadline:
                job.request_stop(
                    f"Stopped at its deadline of {job.deadline:g} s on this shared server."
                )
            elif self.stop_unwatched and now - place.seen > self.patience:
                job.request_stop(
                    f"Stopped: its page was closed (not looked at for {self.patience:.0f} s)."
                )
        if not job.stop_requested:
            return
        if place.stop_seen is None:
            place.stop_seen = now
        elif now - place.stop_seen > self.grace and not place.killed:
            place.killed = True
            job.kill()

    def _keep_sweeping(self) -> None:
        """Start the queue's thread unless it runs (lock held): it applies the rules every
        `sweep_seconds` while the queue holds jobs, so deadlines and gone pages are noticed
        when nobody looks at the line."""
        if self.sweep_seconds is None or self._sweeping:
            return
        self._sweeping = True
        threading.Thread(target=self._sweep, name="seqlab-queue", daemon=True).start()

    def _sweep(self) -> None:
        try:
            while True:
                time.sleep(self.sweep_seconds)
                with self._lock:
                    self._advance()
                    if not self._running and not self._waiting:
                        return
        finally:  # also if a job raised: the next submit starts another thread
            self._sweeping = False
