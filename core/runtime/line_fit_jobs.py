"""A line fit (the Perceptron page's) run as a job in the model worker, drawn live in the app.

A hosted app does no TensorFlow work itself (core/runtime/model_worker.py), so there the page's
gradient descent runs in the worker; the fit's observer hooks come back as events, and the
page replays them into its own observer, which draws the cost curve and the moving line as
it does for a fit run in the app. A stop request reaches the fit between steps; the run is
recorded in the worker, as `complete_line_fit` records any fit.
"""

import queue

from core.progress import TrainingObserver
from core.runs.store import RunStore
from core.runtime.jobs import ChildJob
from core.tasks.regression import PendingFit, complete_line_fit

_RELAYED = ("on_train_begin", "on_epoch_end")  # a full-batch fit has no batch hooks to relay


class _RelayedHooks(TrainingObserver):
    """In the worker: the fit's hooks become events; the stop flag is read between steps."""

    def __init__(self, events, stop) -> None:
        self.events, self.stop = events, stop

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.events.put(("on_train_begin", total_epochs, steps_per_epoch))

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.events.put(("on_epoch_end", epoch, logs))

    def should_stop(self) -> bool:
        return self.stop.is_set()


def _fit(store_location: tuple[str, str], pending: PendingFit, events, stop) -> None:
    try:
        complete_line_fit(RunStore(*store_location), pending, _RelayedHooks(events, stop))
    except Exception as error:  # recorded as stopped by complete_line_fit; said to the page
        events.put(("failed", f"{type(error).__name__}: {error}"))
    events.put(("job-end",))


class LineFitJob(ChildJob):
    """`pending`'s fit in `worker`; `replay(observer)` hands the hooks received so far on to
    `observer`; `error` says why the fit failed, if it did."""

    def __init__(
        self, store: RunStore, pending: PendingFit, worker, *, visitor: str | None = None
    ) -> None:
        self.error = ""
        self._store, self._run_id = store, pending.run_id
        self._hooks: queue.SimpleQueue = queue.SimpleQueue()
        super().__init__(
            _fit,
            ((store.url, str(store.artifacts)), pending),
            name="seqlab-line-fit",
            worker=worker,
            visitor=visitor,
        )

    def cancel(self, message: str) -> None:
        """End a fit that never started (taken out of the queue); its run is closed saying so."""
        self._store.close_without_model(self._run_id, status="stopped", message=message)
        self._cancelled = True

    def replay(self, observer: TrainingObserver) -> None:
        while True:
            try:
                hook, *args = self._hooks.get_nowait()
            except queue.Empty:
                return
            getattr(observer, hook)(*args)

    def _apply(self, event: tuple) -> None:
        if event[0] in _RELAYED:
            self._hooks.put(event)
        elif event[0] == "failed":
            self.error = event[1]

    def _mark_lost(self, exit_code: int | None) -> None:
        self.error = (
            f"The model worker ended unexpectedly during the fit (exit code {exit_code}); it "
            "may have run out of memory."
        )

    def _mark_ended(self, message: str) -> None:
        self.error = message
