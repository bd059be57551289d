"""A learning curve computed in a spawned child process (or the model worker), with progress
and Stop.

It runs outside the app for the reason core/runtime/jobs.py gives for training: inside Streamlit a
training thread retraces its Keras graph after every script run. The child saves the curve
in the data folder (core/contest/learning_curves.py) and sends it back when it ends.
"""

import dataclasses
import time

from core.contest.learning_curves import (
    CurveObserver,
    CurvePoint,
    CurveSettings,
    LearningCurve,
    learning_curve,
    save_curve,
)
from core.errors import UserFacingError
from core.runtime.jobs import BATCH_EVENT_INTERVAL, ChildJob


class _CurveEvents(CurveObserver):
    """In the child: progress hooks as events, and the shared stop flag."""

    def __init__(self, events, stop) -> None:
        self.events, self.stop = events, stop
        self.last_batch_event = 0.0

    def on_point_begin(self, index: int, total: int, description: str) -> None:
        self.events.put(("point-begin", index, total, description))

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.events.put(("fit-begin", total_epochs, steps_per_epoch))

    def on_batch_end(self, epoch: int, step: int, logs: dict) -> None:
        now = time.monotonic()
        if now - self.last_batch_event >= BATCH_EVENT_INTERVAL:
            self.last_batch_event = now
            self.events.put(("batch", epoch, step))

    def on_point_end(self, point: CurvePoint) -> None:
        self.events.put(("point", point))

    def should_stop(self) -> bool:
        return self.stop.is_set()


def _compute_curve(settings: CurveSettings, visitor: str | None, events, stop) -> None:
    """The child process: compute, save (as the visitor's) and send the curve, or say why it
    could not."""
    try:
        curve = learning_curve(settings, _CurveEvents(events, stop))
        save_curve(curve, visitor)
        events.put(("curve", curve.to_dict()))
    except UserFacingError as error:
        events.put(("failed", str(error)))
    except Exception as error:  # shown to the user as a message, not a traceback
        events.put(("failed", f"{type(error).__name__}: {error}"))
    events.put(("job-end",))


class CurveJob(ChildJob):
    """One learning curve in the background; `curve` is set when it ends, `error` if it failed."""

    def __init__(self, settings: CurveSettings, worker=None, *, visitor: str | None = None) -> None:
        """`worker`: the model worker to compute in (None: a child process of its own);
        `visitor`: the hosted-mode browser session that asked for it."""
        self.settings = settings
        self.points: list[CurvePoint] = []
        self.total_points = 0
        self.description = "preparing the data (TensorFlow loads once per curve)"
        self.epoch = self.total_epochs = self.step = self.steps_per_epoch = 0
        self.curve: LearningCurve | None = None
        self.error = ""
        super().__init__(
            _compute_curve,
            (settings, visitor),
            name="seqlab-curve",
            worker=worker,
            visitor=visitor,
        )

    @property
    def label(self) -> str:
        return "learning curve"

    def cancel(self, message: str) -> None:
        """End a curve that was never started (taken out of a queue), saying why."""
        self.error = message
        self._cancelled = True

    @property
    def fraction_done(self) -> float:
        if self.done:
            return 1.0
        if not self.total_points:
            return 0.0
        within = 0.0
        if self.total_epochs and self.steps_per_epoch:
            within = (max(self.epoch - 1, 0) + self.step / self.steps_per_epoch) / self.total_epochs
        return min(1.0, (len(self.points) + within) / self.total_points)

    def _apply(self, event: tuple) -> None:
        kind = event[0]
        if kind == "point-begin":
            _, index, self.total_points, self.description = event
            self.epoch = self.total_epochs = self.step = self.steps_per_epoch = 0
        elif kind == "fit-begin":
            self.total_epochs, self.steps_per_epoch = event[1], event[2]
        elif kind == "batch":
            self.epoch, self.step = event[1], event[2]
        elif kind == "point":
            self.points.append(event[1])
        elif kind == "curve":
            curve = LearningCurve.from_dict(event[1])
            if not curve.complete:
                curve = dataclasses.replace(curve, message=self._with_reason(curve.message))
            self.curve = curve
        elif kind == "failed":
            self.error = event[1]

    def _mark_lost(self, exit_code: int | None) -> None:
        self.error = (
            f"The learning-curve process ended unexpectedly (exit code {exit_code}); it may "
            "have run out of memory."
        )

    def _mark_ended(self, message: str) -> None:
        self.error = message
