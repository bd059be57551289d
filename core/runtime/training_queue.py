"""At most N trainings at once in one app process; the others wait their turn, in order.

Every training is a child process that loads TensorFlow, so on a host with little memory a
public app lets only a few run together (hosted mode's SEQLAB_MAX_TRAININGS). A job submitted
while every slot is taken waits in line; whenever the line is looked at (each waiting visitor's
page does so every second) finished jobs give up their slots and the next in line start.

A visitor who closes the tab stops looking: a waiting job not asked about for `patience`
seconds leaves the line, so nobody waits behind a training that no one would see.
"""

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Job(Protocol):
    """What the queue needs of a job (core.runtime.jobs.TrainingJob has it)."""

    @property
    def done(self) -> bool: ...

    def start(self) -> object: ...

    def cancel(self, message: str) -> None: ...


class TrainingQueue:
    """A first-come, first-served line in front of `capacity` training slots; thread-safe."""

    def __init__(
        self,
        capacity: int | None,
        patience: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`capacity` None means no limit: every job starts at once."""
        self.capacity, self.patience, self.clock = capacity, patience, clock
        self._lock = threading.Lock()
        self._running: list[Job] = []
        self._waiting: list[tuple[Job, float]] = []  # each with when it was last asked about

    def submit(self, job: Job) -> None:
        """Start `job` now if a slot is free, else put it at the end of the line."""
        with self._lock:
            self._waiting.append((job, self.clock()))
            self._advance()

    def ahead_of(self, job: Job) -> int | None:
        """How many trainings run or wait before `job` starts; None once it has started (or
        left the line). Asking also keeps the job's place and lets the line move on."""
        with self._lock:
            now = self.clock()
            self._waiting = [
                (waiting, now if waiting is job else asked) for waiting, asked in self._waiting
            ]
            self._advance()
            for place, (waiting, _) in enumerate(self._waiting):
                if waiting is job:
                    return len(self._running) + place
            return None

    def withdraw(self, job: Job) -> bool:
        """Take a waiting job out of the line; True if it was waiting (it then never starts)."""
        with self._lock:
            before = len(self._waiting)
            self._waiting = [
                (waiting, asked) for waiting, asked in self._waiting if waiting is not job
            ]
            return len(self._waiting) < before

    @property
    def running(self) -> int:
        with self._lock:
            self._advance()
            return len(self._running)

    def _advance(self) -> None:
        """Free the slots of finished jobs, drop forgotten waiters, start the next in line."""
        now = self.clock()
        self._running = [job for job in self._running if not job.done]
        kept = []
        for job, asked in self._waiting:
            if now - asked > self.patience:
                job.cancel(
                    f"Not started: it left the queue after {self.patience:.0f} s in which this "
                    "page did not check on it (a closed or long-hidden tab). Train again."
                )
            else:
                kept.append((job, asked))
        self._waiting = kept
        while self._waiting and (self.capacity is None or len(self._running) < self.capacity):
            job, _ = self._waiting.pop(0)
            job.start()
            self._running.append(job)
