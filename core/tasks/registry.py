"""The task registry: every task's object (core/tasks/task.py), by name.

The background jobs, the CLI, the pages, the verdict and the benches ask here. Every task
that trains in the background goes through `core.tasks.training.train_on_path`, so all record
into the same run store in the same way; each task's path says how it prepares data, fits
and evaluates. Adding a task is one module defining its `TASK` and one line here.
"""

from typing import Any

from core.errors import InvalidConfig
from core.models.registry import model_spec
from core.tasks import (
    regression,
    sequence_classification,
    text_classification,
)
from core.tasks.job_costs import PlannedCost, check_job_cost, job_cost
from core.tasks.metrics import Metric
from core.tasks.reply import task as reply
from core.tasks.sequence_labelling import task as sequence_labelling
from core.tasks.task import Task
from core.tasks.text_prediction import task as text_prediction
from core.tasks.training import TrainingResult

REGISTERED: dict[str, Task] = {
    module.TASK.name: module.TASK
    for module in (
        sequence_classification,
        text_classification,
        text_prediction,
        sequence_labelling,
        reply,
        regression,
    )
}


def task(name: str) -> Task:
    """The task called `name`; InvalidConfig listing the tasks when there is none."""
    try:
        return REGISTERED[name]
    except KeyError:
        raise InvalidConfig(
            f"Unknown task {name!r}; choose one of {', '.join(REGISTERED)}."
        ) from None


def train(task_name: str, dataset: str, model_name: str, **options) -> TrainingResult:
    """Train `model_name` on `dataset` by the task's path and record the run; options are
    `store`, `config`, `seed`, `observer` and `visitor` (see `train_on_path`)."""
    return task(task_name).train(dataset, model_name, **options)


def main_metric(task_name: str, metrics: dict) -> Metric | None:
    """The metric that ranks a run of the task with these test `metrics`; None if it has
    none (a failed run, a regression, a task this version does not know)."""
    known = REGISTERED.get(task_name)
    return known.main_metric(metrics) if known else None


def secondary_metrics(task_name: str, metrics: dict, main: Metric | None) -> dict[str, float]:
    """The task's other metrics that these `metrics` hold, by title, without the main one."""
    known = REGISTERED.get(task_name)
    return known.secondary_metrics(metrics, main) if known else {}


def plan_costs(
    task_name: str, dataset: str, plan: list[tuple[str, Any]], seed: int
) -> list[PlannedCost]:
    """The cost of each (model name, config) of a plan on `dataset`; the data's shape is
    read once, and only when a network is planned (baselines need no estimate)."""
    specs = [(model_spec(task_name, name), config) for name, config in plan]
    if not any(spec.family == "neural" for spec, _ in specs):
        return [PlannedCost(spec.name, None, None) for spec, _ in specs]
    shape = task(task_name).training_shape(dataset, seed)
    costs = []
    for spec, config in specs:
        try:
            cost = check_job_cost(spec, config, shape)
        except InvalidConfig as refusal:
            costs.append(PlannedCost(spec.name, job_cost(spec, config, shape), str(refusal)))
        else:
            costs.append(PlannedCost(spec.name, cost, None))
    return costs
