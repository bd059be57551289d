"""How a model reports training progress and learns that the user asked it to stop.

Models call these hooks from inside `fit`; the dashboard turns them into a progress bar and
live curves, the CLI into log lines, the training loop into per-epoch history in the store.
"""

import threading


class TrainingObserver:
    """Receives progress from a model's `fit`. This base does nothing and never asks to stop."""

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        """Called once before the first step."""

    def on_batch_end(self, epoch: int, step: int, logs: dict) -> None:
        """Called after each optimisation step; `epoch` and `step` count from 1."""

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        """Called after each epoch (also a partial one cut short by a stop) with its metrics."""

    def should_stop(self) -> bool:
        """True once a stop was requested; models check it between steps."""
        return False


class StopFlag(TrainingObserver):
    """An observer that only carries a thread-safe stop request."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def request_stop(self) -> None:
        self._event.set()

    def should_stop(self) -> bool:
        return self._event.is_set()


class ObserverChain(TrainingObserver):
    """Fans every hook out to several observers; stops when any of them asks to."""

    def __init__(self, *observers: TrainingObserver) -> None:
        self.observers = observers

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        for observer in self.observers:
            observer.on_train_begin(total_epochs, steps_per_epoch)

    def on_batch_end(self, epoch: int, step: int, logs: dict) -> None:
        for observer in self.observers:
            observer.on_batch_end(epoch, step, logs)

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        for observer in self.observers:
            observer.on_epoch_end(epoch, logs)

    def should_stop(self) -> bool:
        return any(observer.should_stop() for observer in self.observers)
