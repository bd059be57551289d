"""Optional TensorBoard logs: with `$SEQLAB_TENSORBOARD=1` (the CLI's `--tensorboard`), every
run writes its epoch metrics to `<data folder>/tensorboard/<run id>/`, a folder that
`tensorboard --logdir <data folder>/tensorboard` opens beside the others.

The metrics come from the same epoch records the run store keeps, so baselines trained in
rounds get curves too, not only Keras models. They are written with TensorBoard's own
`tensorboard.summary.Writer`, which needs no TensorFlow (its API is marked experimental, so
the package is pinned in requirements.txt).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Real
from pathlib import Path

from core.paths import data_dir
from core.progress import TrainingObserver

TENSORBOARD_VARIABLE = "SEQLAB_TENSORBOARD"
VALIDATION_PREFIX = "val_"


def enabled() -> bool:
    return os.environ.get(TENSORBOARD_VARIABLE, "").strip() not in ("", "0")


def logs_folder() -> Path:
    """The folder to point TensorBoard at: one subfolder per run."""
    return data_dir() / "tensorboard"


def _tag(name: str) -> str:
    """`val_loss` -> `validation/loss`, `loss` -> `train/loss`: TensorBoard groups by prefix."""
    if name.startswith(VALIDATION_PREFIX):
        return f"validation/{name.removeprefix(VALIDATION_PREFIX)}"
    return f"train/{name}"


class _EpochScalars(TrainingObserver):
    """Writes every numeric value of an epoch record as a scalar at that epoch."""

    def __init__(self, writer) -> None:
        self.writer = writer

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        for name, value in logs.items():
            if name != "epoch" and isinstance(value, Real) and not isinstance(value, bool):
                self.writer.add_scalar(_tag(name), value, step=epoch)
        self.writer.flush()


@contextmanager
def tensorboard_log(run_id: str) -> Iterator[TrainingObserver]:
    """An observer writing the run's epochs to its TensorBoard folder when logs are enabled,
    else one that does nothing."""
    if not enabled():
        yield TrainingObserver()
        return
    from tensorboard.summary import Writer

    writer = Writer(str(logs_folder() / run_id))
    try:
        yield _EpochScalars(writer)
    finally:
        writer.close()
