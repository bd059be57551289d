"""A contest or a tuning sweep run in a spawned child process (or the model worker), with
progress and Stop.

Two kinds of job: "contest" runs every rung of a task's ladder (core/contest/contest.py) and
sends back the judged result; "tune" runs one model's sweep (core/contest/tuning.py) and sends
back the sweep. Both run outside the app for the reason core/runtime/jobs.py gives for
training. A stop ends the tuning where it is and keeps what finished: the contest judges the
rungs tuned so far, the sweep keeps its trials (every trial is stored as it ends).
"""

import time
from dataclasses import dataclass

from core.contest.contest import ContestObserver, run_contest
from core.contest.contest_result import ContestResult
from core.contest.sweeps import Sweep, Trial
from core.contest.tuning import tune
from core.errors import UserFacingError
from core.models.registry import model_spec
from core.runs.store import RunStore
from core.runtime.jobs import BATCH_EVENT_INTERVAL, ChildJob

CONTEST, TUNE = "contest", "tune"


@dataclass(frozen=True)
class ContestRequest:
    """What to run: the contest of a task's ladder on a dataset (`model` None), or a sweep of
    one model there, with a wall-clock tuning budget and the seed of split, inits and draws."""

    task: str
    dataset: str
    budget_seconds: float
    seed: int = 0
    model: str | None = None

    @property
    def kind(self) -> str:
        return CONTEST if self.model is None else TUNE


@dataclass(frozen=True)
class TrialSeen:
    """A trial as it ended, and the stage it ended in (a contest's rung; empty for a sweep)."""

    stage: str
    trial: Trial


class _ContestEvents(ContestObserver):
    """In the child: the stage, trial and training hooks as events, and the shared stop flag."""

    def __init__(self, events, stop) -> None:
        self.events, self.stop = events, stop
        self.last_batch_event = 0.0

    def on_stage(self, index: int, total: int, description: str) -> None:
        self.events.put(("stage", index, total, description))

    def on_trial_begin(self, number: int, settings: dict) -> None:
        self.events.put(("trial-begin", number, settings))

    def on_trial_end(self, trial: Trial) -> None:
        self.events.put(("trial", trial))

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.events.put(("fit-begin", total_epochs, steps_per_epoch))

    def on_batch_end(self, epoch: int, step: int, logs: dict) -> None:
        now = time.monotonic()
        if now - self.last_batch_event >= BATCH_EVENT_INTERVAL:
            self.last_batch_event = now
            self.events.put(("batch", epoch, step))

    def should_stop(self) -> bool:
        return self.stop.is_set()


def _run(
    request: ContestRequest,
    store_location: tuple[str, str],
    visitor: str | None,
    events,
    stop,
) -> None:
    """The child process: run the contest or the sweep (as the visitor's) and send back what
    it found, or say why it could not."""
    store = RunStore(*store_location)
    observer = _ContestEvents(events, stop)
    try:
        if request.kind == CONTEST:
            result = run_contest(
                request.task,
                request.dataset,
                budget_seconds=request.budget_seconds,
                store=store,
                seed=request.seed,
                observer=observer,
                visitor=visitor,
            )
            events.put(("contest", result))
        else:
            sweep = tune(
                request.task,
                request.dataset,
                request.model,
                budget_seconds=request.budget_seconds,
                store=store,
                seed=request.seed,
                observer=observer,
                visitor=visitor,
            )
            events.put(("sweep", sweep))
    except UserFacingError as error:
        events.put(("failed", str(error)))
    except Exception as error:  # shown to the user as a message, not a traceback
        events.put(("failed", f"{type(error).__name__}: {error}"))
    events.put(("job-end",))


class ContestJob(ChildJob):
    """A contest or a sweep in the background: `stage` and `trials` as they come, then
    `result` (a contest) or `sweep` (a sweep); `error` if it failed."""

    def __init__(
        self,
        request: ContestRequest,
        store: RunStore,
        worker=None,
        *,
        visitor: str | None = None,
    ) -> None:
        """`worker`: the model worker to run in (None: a child process of its own);
        `visitor`: the hosted-mode browser session its runs and sweeps belong to."""
        self.request = request
        self.stage_index = self.stage_total = 0
        self.stage = ""  # the contest's stage under way
        self.trials: list[TrialSeen] = []
        self.trial_number: int | None = None  # the trial in training
        self.epoch = self.total_epochs = self.step = self.steps_per_epoch = 0
        self.started_at: float | None = None
        self.result: ContestResult | None = None
        self.sweep: Sweep | None = None
        self.error = ""
        super().__init__(
            _run,
            (request, (store.url, str(store.artifacts)), visitor),
            name=f"seqlab-{request.kind}",
            worker=worker,
            visitor=visitor,
        )

    @property
    def kind(self) -> str:
        return self.request.kind

    @property
    def label(self) -> str:
        if self.kind == CONTEST:
            return "contest"
        return f"tuning of {model_spec(self.request.task, self.request.model).title}"

    def start(self):
        self.started_at = time.monotonic()
        return super().start()

    def cancel(self, message: str) -> None:
        """End a job that was never started (taken out of a queue), saying why."""
        self.error = message
        self._cancelled = True

    @property
    def fraction_done(self) -> float:
        """A contest's share of stages begun; a sweep's share of its budget spent."""
        if self.done:
            return 1.0
        if self.kind == CONTEST:
            return self.stage_index / self.stage_total if self.stage_total else 0.0
        if self.started_at is None:
            return 0.0
        return min(1.0, (time.monotonic() - self.started_at) / self.request.budget_seconds)

    def _apply(self, event: tuple) -> None:
        kind = event[0]
        if kind == "stage":
            _, index, self.stage_total, self.stage = event
            self.stage_index = index + 1
        elif kind == "trial-begin":
            self.trial_number = event[1]
            self.epoch = self.total_epochs = self.step = self.steps_per_epoch = 0
        elif kind == "fit-begin":
            self.total_epochs, self.steps_per_epoch = event[1], event[2]
        elif kind == "batch":
            self.epoch, self.step = event[1], event[2]
        elif kind == "trial":
            self.trials.append(TrialSeen(self.stage, event[1]))
            self.trial_number = None
        elif kind == "contest":
            self.result = event[1]
        elif kind == "sweep":
            self.sweep = event[1]
        elif kind == "failed":
            self.error = event[1]

    def _mark_lost(self, exit_code: int | None) -> None:
        self.error = (
            f"The {self.kind} process ended unexpectedly (exit code {exit_code}); it may have "
            "run out of memory."
        )

    def _mark_ended(self, message: str) -> None:
        self.error = message
