"""What makes a task a task, in one object: how its runs train, what ranks them, its words.

Each task module defines one `Task` (core/tasks/registry.py lists them), so the CLI, the
pages, the verdict and the learning curves ask the task instead of branching on its name:
adding a task is one module plus one registry line.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.errors import UserFacingError
from core.models.cost import DataShape
from core.models.registry import model_spec
from core.progress import TrainingObserver
from core.runs.store import RunRecord, RunStore
from core.task_names import TASKS
from core.tasks.job_costs import data_shape
from core.tasks.metrics import Metric, TaskMetrics
from core.tasks.training import TrainingPath, TrainingResult, train_on_path


@dataclass(frozen=True)
class FileUpload:
    """How a file given on the command line (`--file`) becomes one of the task's datasets.

    `columns` are the `--WORD-column` options the file needs, as (WORD, what the column
    holds); `save(content, file name, {WORD: column name})` validates and stores the file and
    returns its dataset name and notes on what was dropped or changed.
    """

    description: str
    columns: tuple[tuple[str, str], ...]
    save: Callable[[bytes, str, dict[str, str]], tuple[str, tuple[str, ...]]]


@dataclass(frozen=True)
class Task:
    """One task: its training path, its metrics and the words the CLI and pages use for it.

    `path` is None for a task that trains in the foreground by `foreground` (the perceptron's
    full-batch loop); `distributed` says whether its models are Keras models a tf.distribute
    strategy can spread. `summary(run)` is a finished run in one line; `data_titles()` what
    the task trains on, for the home page; `prediction_unit` what one prediction is ("ms /
    suggestion"); `curve_unsupported` says why no learning curve can be drawn, if none can.
    """

    name: str
    path: TrainingPath | None
    metrics: TaskMetrics | None
    dataset_help: str
    data_titles: Callable[[], list[str]]
    summary: Callable[[RunRecord], str]
    upload: FileUpload | None = None
    prediction_unit: str = "example"
    curve_unsupported: str | None = None
    distributed: bool = True
    foreground: Callable[..., RunRecord] | None = None
    # The shape of a dataset's training part without preparing it all (an image dataset's
    # preview), for the cost estimate; None prepares the data to read it.
    shape_without_loading: Callable[[str], DataShape] | None = None
    # The prepared data as tuning sees it: scored on the validation part, never the test
    # part (core/contest/tuning.py); None where the task cannot be tuned yet.
    tuning_view: Callable[[Any], Any] | None = None

    @property
    def title(self) -> str:
        return TASKS[self.name]

    def main_metric(self, metrics: dict) -> Metric | None:
        """The metric that ranks a run with these test `metrics`; None if it has none."""
        if self.metrics is None:
            return None
        return next((metric for metric in self.metrics.main if metric.key in metrics), None)

    def secondary_metrics(self, metrics: dict, main: Metric | None) -> dict[str, float]:
        """The task's other metrics that these `metrics` hold, by title, without `main`."""
        if self.metrics is None:
            return {}
        return {
            metric.title: metrics[metric.key]
            for metric in self.metrics.secondary
            if metric.key in metrics and metric != main
        }

    def train(self, dataset: str, model_name: str, **options) -> TrainingResult:
        """Train on the task's path and record the run (options: see `train_on_path`)."""
        if self.path is None:
            raise UserFacingError(f"{self.name} does not train in the background.")
        return train_on_path(self.path, self.name, dataset, model_name, **options)

    def train_with_settings(
        self,
        dataset: str,
        model_name: str,
        settings: dict[str, Any],
        *,
        store: RunStore,
        seed: int,
        observer: TrainingObserver,
    ) -> RunRecord:
        """Train from settings as the CLI's `--set` gives them (strings are parsed)."""
        if self.foreground is not None:
            return self.foreground(dataset, settings, store=store, seed=seed, observer=observer)
        config = model_spec(self.name, model_name).config_with(settings)
        return self.train(
            dataset, model_name, store=store, config=config, seed=seed, observer=observer
        ).run

    def training_shape(self, dataset: str, seed: int) -> DataShape:
        """The shape of `dataset`'s training part as split with `seed`, for cost estimates."""
        if self.shape_without_loading is not None:
            return self.shape_without_loading(dataset)
        return data_shape(self.path.prepare(dataset, seed))

    def run_line(self, run: RunRecord) -> str:
        """A run in one line: its test results, or why it has none."""
        if not run.metrics:
            return f"{run.id} {run.status}: {run.message}"
        return self.summary(run)


def accuracy_line(run: RunRecord) -> str:
    """A classifier's (or tagger's) run: accuracy with its interval, macro-F1, cost."""
    metrics = run.metrics
    return (
        f"{run.id} {run.status}: accuracy {metrics['accuracy']:.4f} "
        f"(95% CI {metrics['accuracy_low']:.4f}-{metrics['accuracy_high']:.4f}), "
        f"macro-F1 {metrics['macro_f1']:.4f}, {run.train_seconds:.1f} s, "
        f"{run.param_count} parameters"
    )
