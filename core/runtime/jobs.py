"""Train queued models outside the app's process and stream their progress back as events.

A UI needs training to run in the background, report every batch and epoch, and stop on request. A
thread of the app is not enough inside Streamlit: after every script run Streamlit calls
`keras.backend.clear_session()` (script_runner._clean_problem_modules), and with the progress view
refreshing each second that made a training thread retrace its graph over and over, its epochs
many times slower (bench/README.md, Figures formerly in code comments). A spawned process is
untouched by that, does not compete with the UI for the GIL, and records into the same run store
as any other run. A job runs in a child process of its own, or, in
hosted mode, in the app's one model worker (core/runtime/model_worker.py), which is such a process
too but is shared, so TensorFlow is loaded once.
"""

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from core.errors import UserFacingError
from core.hosting import hosting_settings
from core.models.registry import ModelSpec
from core.progress import TrainingObserver
from core.runs.store import RunStore

BATCH_EVENT_INTERVAL = 0.1  # seconds between batch events: enough for a live bar, little traffic
TERMINAL = ("finished", "stopped", "failed", "skipped")


@dataclass
class ModelProgress:
    """What a progress view shows for one queued model."""

    name: str
    title: str
    config: Any
    status: str = "queued"  # queued, training, then one of TERMINAL
    epoch: int = 0
    total_epochs: int = 0
    step: int = 0
    steps_per_epoch: int = 0
    history: list[dict] = field(default_factory=list)
    message: str = ""
    run_id: str | None = None

    @property
    def fraction_done(self) -> float:
        if self.status in TERMINAL:
            return 1.0
        if not self.total_epochs:
            return 0.0
        within = self.step / self.steps_per_epoch if self.steps_per_epoch else 0.0
        return min(1.0, (max(self.epoch - 1, 0) + within) / self.total_epochs)


class _EventObserver(TrainingObserver):
    """In the child: turns training hooks into events and reads the shared stop flag."""

    def __init__(self, index: int, events, stop) -> None:
        self.index, self.events, self.stop = index, events, stop
        self.last_batch_event = 0.0

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.events.put(("begin", self.index, total_epochs, steps_per_epoch))

    def on_batch_end(self, epoch: int, step: int, logs: dict) -> None:
        now = time.monotonic()
        if now - self.last_batch_event >= BATCH_EVENT_INTERVAL:
            self.last_batch_event = now
            self.events.put(("batch", self.index, epoch, step))

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.events.put(("epoch", self.index, logs))

    def should_stop(self) -> bool:
        return self.stop.is_set()


def _train_queue(
    task: str,
    dataset: str,
    plan: list[tuple[str, Any]],
    seed: int,
    store_location: tuple[str, str],
    strategy: str,
    visitor: str | None,
    events,
    stop,
) -> None:
    """The child process: train each queued model in turn, reporting as it goes.

    TensorFlow is loaded (by choosing the strategy) only when a neural model is queued: a job
    of baselines then needs a fraction of the memory.
    """
    from core.models.recurrent.distribution import start
    from core.models.registry import model_spec
    from core.tasks.registry import train

    store = RunStore(*store_location)
    try:
        if any(model_spec(task, name).family == "neural" for name, _ in plan):
            start(strategy)  # before any other TensorFlow op in this process
    except UserFacingError as error:
        for index in range(len(plan)):
            events.put(("end", index, "failed", str(error), None))
        events.put(("job-end",))
        return
    for index, (name, config) in enumerate(plan):
        if stop.is_set():
            events.put(("end", index, "skipped", "Not started: training was stopped.", None))
            continue
        events.put(("status", index, "training"))
        try:
            result = train(
                task,
                dataset,
                name,
                store=store,
                config=config,
                seed=seed,
                observer=_EventObserver(index, events, stop),
                visitor=visitor,
            )
        except UserFacingError as error:
            events.put(("end", index, "failed", str(error), None))
        except Exception as error:  # the store has it as failed; the UI shows it, not a traceback
            events.put(("end", index, "failed", f"{type(error).__name__}: {error}", None))
        else:
            run = result.run
            events.put(("end", index, run.status, run.message, run.id))
    events.put(("job-end",))


class ChildJob:
    """A job run in a spawned child process of its own, or as a thread of the app's shared
    model worker (core/runtime/model_worker.py, hosted mode), reporting events and reading a stop
    flag.

    `target(*args, events, stop)` runs there and ends by putting ("job-end",); subclasses
    turn the other events into state (`_apply`), say what a process that died without that
    event leaves behind (`_mark_lost`) and what a job ended by `kill` after a stop request
    does (`_mark_ended`). The queue (core/runtime/training_queue.py) holds every job to its
    `deadline` and its `visitor` to one job at a time.
    """

    def __init__(
        self,
        target,
        args: tuple,
        name: str,
        worker=None,
        *,
        visitor: str | None = None,
        deadline: float | None = None,
    ) -> None:
        """`worker`: a core.runtime.model_worker.ModelWorker to run in; None spawns a process.
        `visitor`: the hosted-mode browser session that asked for the job (None: nobody in
        particular). `deadline`: the seconds the job may run once started; None takes hosted
        mode's SEQLAB_JOB_SECONDS there and means no limit elsewhere."""
        self._target, self._args, self._name, self._worker = target, args, name, worker
        self.visitor = visitor
        self.deadline = deadline if deadline is not None else _hosted_deadline()
        self.stop_reason: str | None = None  # why the server stopped it; None: the visitor did
        self._ended = threading.Event()
        self._stop_requested = False
        self._cancelled = False  # ended before it started (TrainingJob.cancel)
        self._started = False
        self._number = None  # the job's number in the worker
        self._process = self._stop = None  # the child process and its stop flag

    @property
    def label(self) -> str:
        """What the job is, in a few words for a message ("Your line fit is still running")."""
        return self._name.removeprefix("seqlab-").replace("-", " ")

    def start(self):
        self._started = True
        if self._worker is not None:
            self._number = self._worker.run_job(
                self, self._target, self._args, stopped=self._stop_requested
            )
            return self
        context = multiprocessing.get_context("spawn")  # forking a process with TF is unsafe
        events, self._stop = context.Queue(), context.Event()
        if self._stop_requested:
            self._stop.set()
        self._process = process = context.Process(
            target=self._target,
            name=self._name,
            daemon=True,
            args=(*self._args, events, self._stop),
        )
        process.start()
        threading.Thread(
            target=self._read_events,
            args=(process, events),
            name=f"{self._name}-events",
            daemon=True,
        ).start()
        return self

    def request_stop(self, reason: str | None = None) -> None:
        """Ask the job to stop at its next check; `reason` (a sentence) says why when the
        server asks, and leads the message of whatever the job leaves. The first request's
        reason stands."""
        if not self._stop_requested:
            self.stop_reason = reason
        self._stop_requested = True
        if self._stop is not None:
            self._stop.set()
        elif self._number is not None:
            self._worker.stop_job(self._number)

    def kill(self) -> None:
        """End a job that did not honour its stop request, at once and without waiting: its
        own process is killed, or the model worker it runs in, whose other work then fails
        (the next request starts a new worker). The job ends as `_mark_ended` says."""
        if self._process is not None:
            self._process.kill()
        elif self._number is not None:
            self._worker.end_job(self._number)

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    @property
    def done(self) -> bool:
        return self._cancelled or self._ended.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended (tests and scripts); True if it did."""
        if self._started:
            self._ended.wait(timeout)
        return self.done

    def deliver(self, event: tuple) -> None:
        """One event from the job; ("job-end",) ends it."""
        if event[0] == "job-end":
            self._ended.set()
        else:
            self._apply(event)

    def lose(self, exit_code: int | None) -> None:
        """The process running the job died before the job ended: killed because the job was
        asked to stop and did not (`kill`), or of something else, most likely memory."""
        if self._stop_requested:
            self._mark_ended(
                f"{self.stop_reason or 'Stopped by request.'} It did not stop when asked, so "
                "its process was ended; what it had not yet recorded is lost."
            )
        else:
            self._mark_lost(exit_code)
        self._ended.set()

    def _with_reason(self, message: str) -> str:
        """`message`, from a job that stopped, led by why the server stopped it (if it did)."""
        return f"{self.stop_reason} {message}" if self.stop_reason else message

    def _read_events(self, process, events) -> None:
        while True:
            try:
                event = events.get(timeout=0.5)
            except queue.Empty:
                if process.is_alive():
                    continue
                self.lose(process.exitcode)
                return
            if event[0] == "job-end":
                process.join()
            self.deliver(event)
            if self.done:
                return

    def _apply(self, event: tuple) -> None:
        raise NotImplementedError

    def _mark_lost(self, exit_code: int | None) -> None:
        raise NotImplementedError

    def _mark_ended(self, message: str) -> None:
        raise NotImplementedError


def _hosted_deadline() -> float | None:
    settings = hosting_settings()
    return settings.job_seconds if settings.hosted else None


class TrainingJob(ChildJob):
    """Several models trained one after another on one dataset, in the background.

    A stop request stops the model in training at its next check (after loading the data,
    between batches) and skips the ones queued.
    """

    def __init__(
        self,
        task: str,
        dataset: str,
        plan: list[tuple[ModelSpec, Any]],
        seed: int,
        store: RunStore,
        strategy: str = "default",
        visitor: str | None = None,
        worker=None,
    ) -> None:
        """`strategy` names the tf.distribute strategy the child trains Keras models under;
        `visitor`, the hosted-mode browser session the runs belong to (None: shared);
        `worker`, the model worker to train in (None: a child process of its own)."""
        self.task, self.dataset, self.seed = task, dataset, seed
        self.items = [ModelProgress(spec.name, spec.title, config) for spec, config in plan]
        super().__init__(
            _train_queue,
            (
                task,
                dataset,
                [(item.name, item.config) for item in self.items],
                seed,
                (store.url, str(store.artifacts)),  # the child opens the same database and folder
                strategy,
                visitor,
            ),
            name="seqlab-training",
            worker=worker,
            visitor=visitor,
        )
        self.collected = False

    @property
    def label(self) -> str:
        return f"training of {', '.join(item.title for item in self.items)}"

    def cancel(self, message: str) -> None:
        """End a job that was never started (taken out of a queue): every model is skipped."""
        for item in self.items:
            item.status, item.message = "skipped", message
        self._cancelled = True

    def _apply(self, event: tuple) -> None:
        kind, item = event[0], self.items[event[1]]
        if kind == "status":
            item.status = event[2]
        elif kind == "begin":
            item.total_epochs, item.steps_per_epoch = event[2], event[3]
        elif kind == "batch":
            item.epoch, item.step = event[2], event[3]
        elif kind == "epoch":
            item.history.append(event[2])
            item.epoch, item.step = event[2]["epoch"], item.steps_per_epoch
        elif kind == "end":
            item.status, item.message, item.run_id = event[2], event[3], event[4]
            if item.status in ("stopped", "skipped"):
                item.message = self._with_reason(item.message)

    def _mark_lost(self, exit_code: int | None) -> None:
        for item in self.items:
            if item.status not in TERMINAL:
                item.status = "failed"
                item.message = (
                    f"The training process ended unexpectedly (exit code "
                    f"{exit_code}); it may have run out of memory."
                )

    def _mark_ended(self, message: str) -> None:
        """The model in training is stopped, those after it skipped, all saying why."""
        for item in self.items:
            if item.status not in TERMINAL:
                item.status = "stopped" if item.status == "training" else "skipped"
                item.message = message
