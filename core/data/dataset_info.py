"""What every dataset declares, whatever its task: the picker, the CLI and loaders read this."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DatasetInfo:
    """What the dataset picker and `python -m core datasets` show, plus how to load it.

    `loader` returns the task's data type (ImageSequences or LabelledTexts); both have
    `inputs`, integer `labels` 0..k-1 and `class_names`. `unavailable` returns None when the
    dataset can be loaded now, else a message saying why not and how to get it.
    """

    name: str
    task: str
    title: str
    description: str
    source: str
    loader: Callable[[], Any]
    needs_network: bool = False
    unavailable: Callable[[], str | None] | None = None
    # How a drawing is prepared to look like these images (core/learn/drawing.py): the size of the
    # box the ink is scaled into, and the typical stroke width, both in image pixels. Image
    # datasets only.
    ink_box: int = 0
    stroke_cells: float = 0.0

    def availability(self) -> str | None:
        """None when the dataset can be loaded now, else a message saying why not."""
        return self.unavailable() if self.unavailable else None
