"""Training in a background thread, observed by the page: the training-progress bridge.

Streamlit reruns the page script on every click, which would abort a training loop running
inside it. So a `TrainingJob` trains the queued models one after another in a thread of its
own, keeps what the page needs to draw (epoch, step, history per model) in plain attributes,
and takes the Stop button as a request that the model honours between batches. Nothing here
calls Streamlit: the page polls the job from a fragment.
"""

import threading
from dataclasses import dataclass, field
from typing import Any

from core.errors import UserFacingError
from core.models.base import SequenceClassifier
from core.progress import ObserverChain, StopFlag, TrainingObserver
from core.registry import ModelSpec
from core.store import RunRecord, RunStore
from core.training import train_and_record


@dataclass
class TrainedModel:
    """A model this visitor trained, with its stored record."""

    run: RunRecord
    model: SequenceClassifier
    title: str


@dataclass
class ModelProgress(TrainingObserver):
    """What the page shows for one queued model; updated from the training thread."""

    spec: ModelSpec
    config: Any
    status: str = "queued"  # queued, training, finished, stopped, failed, skipped
    epoch: int = 0
    total_epochs: int = 0
    step: int = 0
    steps_per_epoch: int = 0
    history: list[dict] = field(default_factory=list)
    message: str = ""
    run: RunRecord | None = None
    model: SequenceClassifier | None = None

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.total_epochs, self.steps_per_epoch = total_epochs, steps_per_epoch

    def on_batch_end(self, epoch: int, step: int, logs: dict) -> None:
        self.epoch, self.step = epoch, step

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.history.append(logs)

    @property
    def fraction_done(self) -> float:
        if self.status in ("finished", "stopped", "failed", "skipped"):
            return 1.0
        if not self.total_epochs:
            return 0.0
        within = self.step / self.steps_per_epoch if self.steps_per_epoch else 0.0
        return min(1.0, (max(self.epoch - 1, 0) + within) / self.total_epochs)


class TrainingJob:
    """Trains several models on one dataset, in order, in a daemon thread."""

    def __init__(self, task: str, dataset: str, plan: list[tuple[ModelSpec, Any]], seed: int,
                 store: RunStore) -> None:
        self.task = task
        self.dataset = dataset
        self.seed = seed
        self.store = store
        self.items = [ModelProgress(spec, config) for spec, config in plan]
        self.stop_flag = StopFlag()
        self.collected = False
        self._thread = threading.Thread(target=self._train_all, name="seqlab-training",
                                        daemon=True)

    def start(self) -> "TrainingJob":
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Stop the model in training between batches, and skip the ones still queued."""
        self.stop_flag.request_stop()

    @property
    def done(self) -> bool:
        return not self._thread.is_alive() and self._thread.ident is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until training ends (tests and scripts); True if it did."""
        self._thread.join(timeout)
        return self.done

    def trained_models(self) -> list[TrainedModel]:
        return [TrainedModel(item.run, item.model, item.spec.title)
                for item in self.items if item.model is not None and item.run is not None]

    def _train_all(self) -> None:
        for item in self.items:
            if self.stop_flag.should_stop():
                item.status, item.message = "skipped", "Not started: training was stopped."
                continue
            item.status = "training"
            try:
                result = train_and_record(self.task, self.dataset, item.spec.name,
                                          store=self.store, config=item.config, seed=self.seed,
                                          observer=ObserverChain(item, self.stop_flag))
            except UserFacingError as error:
                item.status, item.message = "failed", str(error)
                continue
            except Exception as error:  # recorded as failed in the store; shown, not raised
                item.status, item.message = "failed", f"{type(error).__name__}: {error}"
                continue
            item.run, item.model = result.run, result.model
            item.status, item.message = result.run.status, result.run.message

