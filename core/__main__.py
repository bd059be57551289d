"""Command line for scripted runs; records into the same store the dashboard reads.

    python -m core datasets
    python -m core train TASK DATASET MODEL [--epochs N] [--seed N] [--set key=value ...] [--json]
    python -m core train text-classification MODEL --file F.csv --text-column C --label-column L
    python -m core train sequence-labelling segmentation:wiki-sample MODEL [--json]
    python -m core train sequence-labelling MODEL --file tagged.conllu
    python -m core train text-prediction MODEL --file corpus.txt
    python -m core train reply movie-dialogs dual-encoder [--json]
    python -m core train reply MODEL --file pairs.csv --message-column M --reply-column R
    python -m core train regression synthetic perceptron [--set learning_rate=0.01 ...] [--json]
    python -m core train TASK DATASET MODEL --strategy default|mirrored|multi-worker
    python -m core runs [--task T] [--dataset D] [--json]
    python -m core curve TASK DATASET BASELINE MODEL [--fractions 0.1,0.25,0.5,1] [--seeds N]
        [--epochs N] [--set key=value ...] [--baseline-set key=value ...] [--json]
    python -m core fetch-hn N
    python -m core tune TASK DATASET MODEL --budget SECONDS [--sweep ID] [--json]
    python -m core contest TASK DATASET --budget SECONDS [--memo FOLDER] [--json]

Ctrl-C during training stops it between batches and records the partial model as `stopped`;
during a curve it keeps the points scored so far (the curve says it is partial); during
fetch-hn it stops between requests, keeping the threads already cached.

`--strategy` chooses the tf.distribute strategy Keras models train under
(core/models/recurrent/distribution.py); `$SEQLAB_LOGICAL_CPUS=2` splits the CPU into two devices
for `mirrored`.
"""

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path

from core.contest.commands import add_commands as add_contest_commands
from core.contest.learning_curves import CurveObserver, CurvePoint
from core.data.datasets import DATASETS
from core.errors import InvalidConfig, UserFacingError
from core.models.recurrent.distribution import STRATEGIES, is_chief, start
from core.models.registry import model_spec, models_for
from core.paths import store_url
from core.progress import ObserverChain, StopFlag, TrainingObserver
from core.runs.store import RunRecord, RunStore
from core.runs.tensorboard_logs import TENSORBOARD_VARIABLE, logs_folder
from core.runs.tensorboard_logs import enabled as tensorboard_enabled
from core.task_names import (
    REGRESSION,
)
from core.tasks.registry import REGISTERED, plan_costs
from core.tasks.registry import task as task_of
from core.tasks.regression import SYNTHETIC
from core.tasks.run_export import run_summary
from core.tasks.task import Task


class _ConsoleProgress(TrainingObserver):
    """About twenty lines per run on stderr, so `--json` output on stdout stays parseable."""

    LINES = 20

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.every = max(1, total_epochs // self.LINES)
        self.total = total_epochs

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        if epoch % self.every and epoch != self.total:
            return
        shown = ", ".join(
            f"{name} {value:.4f}"
            for name, value in logs.items()
            if isinstance(value, float) and name != "seconds"
        )
        print(f"epoch {epoch}: {shown}", file=sys.stderr, flush=True)


def _parse_settings(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise UserFacingError(f"--set takes key=value, got {pair!r}.")
        settings[name.strip()] = value.strip()
    return settings


def _command_datasets(arguments) -> None:
    for info in DATASETS.values():
        reason = info.availability() if arguments.check else None
        state = "network" if info.needs_network else "pack" if info.unavailable else "bundled"
        print(f"{info.name:18} {info.task:25} {state:8} {info.description}")
        if reason:
            print(f"{'':18} unavailable: {reason}")
    print(
        f"{SYNTHETIC:18} {REGRESSION:25} {'made':8} Points on a line plus Gaussian noise "
        "(--set points=, slopes=, intercept=, noise=)."
    )


def _read_upload_file(path: Path) -> bytes:
    """The bytes of a file given with --file, refused before reading when over the cap (as
    an upload box refuses one), so a huge file is never loaded into memory."""
    from core.data.uploads import check_upload_size

    try:
        check_upload_size(path.name, path.stat().st_size)
        return path.read_bytes()
    except OSError as error:
        raise UserFacingError(f"Cannot read {path}: {error.strerror or error}.") from error


def _uploaded_dataset(arguments, task: Task) -> str:
    """Validate `--file` as an upload would be, store it, and return its dataset name."""
    if arguments.dataset:
        raise UserFacingError("Give a dataset name or --file, not both.")
    if task.upload is None:
        takers = ", ".join(known.name for known in REGISTERED.values() if known.upload)
        raise UserFacingError(f"--file is for {takers}, not {task.name}.")
    columns = {word: getattr(arguments, f"{word}_column") for word, _ in task.upload.columns}
    missing = [f"--{word}-column" for word, column in columns.items() if not column]
    if missing:
        raise UserFacingError(f"--file for {task.name} needs {' and '.join(missing)}.")
    path = Path(arguments.file)
    name, notes = task.upload.save(_read_upload_file(path), path.name, columns)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return name


def _train(arguments, settings: dict, observer, store: RunStore) -> RunRecord:
    """Train by the task's own path; every path records into `store`."""
    task = task_of(arguments.task)
    if arguments.strategy != "default" and not task.distributed:
        raise UserFacingError(
            f"{task.name} does not train a Keras model a strategy could spread: it trains on "
            "one device only (--strategy default)."
        )
    dataset = _uploaded_dataset(arguments, task) if arguments.file else arguments.dataset
    if not dataset and task.foreground is None:
        raise UserFacingError("Name a dataset (see `python -m core datasets`) or give --file.")
    return task.train_with_settings(
        dataset, arguments.model, settings, store=store, seed=arguments.seed, observer=observer
    )


def _refuse_over_budget(arguments, settings: dict) -> None:
    """Settings out of bounds, or a network over a shared server's budget (hosted mode), end
    the command before TensorFlow loads; an uploaded --file is checked once it is stored."""
    task = task_of(arguments.task)
    if task.foreground is not None or arguments.file or not arguments.dataset:
        return
    config = model_spec(task.name, arguments.model).config_with(settings)
    (planned,) = plan_costs(
        task.name, arguments.dataset, [(arguments.model, config)], arguments.seed
    )
    if planned.refusal:
        raise InvalidConfig(planned.refusal)


def _command_train(arguments) -> None:
    model_spec(arguments.task, arguments.model)
    settings = _parse_settings(arguments.set or [])
    if arguments.epochs is not None:
        settings["epochs"] = str(arguments.epochs)
    _refuse_over_budget(arguments, settings)
    start(arguments.strategy)  # before any other TensorFlow op, as multi-worker requires
    if arguments.tensorboard:
        os.environ[TENSORBOARD_VARIABLE] = "1"
    stop = StopFlag()
    signal.signal(signal.SIGINT, lambda *_: stop.request_stop())
    progress = _ConsoleProgress() if not arguments.quiet else TrainingObserver()
    with tempfile.TemporaryDirectory() as scratch:
        if is_chief():
            store = RunStore(store_url())
        else:  # a cluster's other workers train in step with the chief, which records the run
            store = RunStore(Path(scratch) / "replica.sqlite", Path(scratch) / "artifacts")
            print(
                "note: a non-chief worker of the cluster; the chief records this run.",
                file=sys.stderr,
            )
        run = _train(arguments, settings, ObserverChain(stop, progress), store)
    if tensorboard_enabled() and is_chief():
        print(
            f"note: TensorBoard logs in {logs_folder() / run.id}; open them all with "
            f"`tensorboard --logdir {logs_folder()}`",
            file=sys.stderr,
        )
    if arguments.json:
        print(json.dumps(run_summary(run)))
        return
    print(task_of(run.task).run_line(run))


def _command_runs(arguments) -> None:
    store = RunStore(store_url())
    store.mark_abandoned()
    runs = store.list_runs(task=arguments.task, dataset=arguments.dataset)
    if arguments.json:
        print(json.dumps([run_summary(run) for run in runs]))
        return
    for run in runs:
        accuracy = run.metrics.get("accuracy")
        shown = f"{accuracy:.4f}" if accuracy is not None else "-"
        print(
            f"{run.id}  {run.task}  {run.dataset:10} {run.model:8} {run.status:9} accuracy {shown}"
        )


class _CurveConsole(CurveObserver):
    """A line per point on stderr, and the Ctrl-C stop flag."""

    def __init__(self, stop: StopFlag, quiet: bool) -> None:
        self.stop, self.quiet = stop, quiet

    def on_point_begin(self, index: int, total: int, description: str) -> None:
        if not self.quiet:
            print(f"point {index + 1}/{total}: {description}", file=sys.stderr, flush=True)

    def on_point_end(self, point: CurvePoint) -> None:
        if not self.quiet:
            print(f"  scored {point.metric:.4f}", file=sys.stderr, flush=True)

    def should_stop(self) -> bool:
        return self.stop.should_stop()


def _command_curve(arguments) -> None:
    from core.contest.learning_curves import (
        CurveSettings,
        learning_curve,
        parse_fractions,
        save_curve,
    )

    settings = _parse_settings(arguments.set or [])
    if arguments.epochs is not None:
        settings["epochs"] = str(arguments.epochs)
    stop = StopFlag()
    signal.signal(signal.SIGINT, lambda *_: stop.request_stop())
    curve = learning_curve(
        CurveSettings(
            arguments.task,
            arguments.dataset,
            arguments.baseline,
            arguments.model,
            parse_fractions(arguments.fractions),
            arguments.seeds,
            arguments.seed,
            _parse_settings(arguments.baseline_set or []),
            settings,
        ),
        _CurveConsole(stop, arguments.quiet),
    )
    save_curve(curve)
    if arguments.json:
        print(json.dumps(curve.to_dict()))
        return
    print(f"{'model':14} {'fraction':>8} {'examples':>9} {'seeds':>5}  {curve.metric_title}")
    for row in curve.summary():
        interval = f" ({row['low']:.4f}-{row['high']:.4f})" if row["low"] is not None else ""
        print(
            f"{row['model']:14} {row['fraction']:8.0%} {row['examples']:9,} {row['seeds']:5}  "
            f"{row['mean']:.4f}{interval}"
        )
    print(curve.crossover_text() if curve.points else "")
    if not curve.complete:
        print(curve.message)


def _command_fetch_hn(arguments) -> None:
    from core.data.hacker_news import fetch_threads

    stop = StopFlag()
    signal.signal(signal.SIGINT, lambda *_: stop.request_stop())
    report = fetch_threads(
        arguments.count,
        progress=lambda done, total, message: print(
            f"{done}/{total} {message}", file=sys.stderr, flush=True
        ),
        should_stop=stop.should_stop,
    )
    print(report.summary())
    if report.error:
        raise UserFacingError(report.error)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    datasets = commands.add_parser("datasets", help="list datasets")
    datasets.add_argument(
        "--check", action="store_true", help="also check that network datasets can be loaded now"
    )
    datasets.set_defaults(handler=_command_datasets)

    train = commands.add_parser("train", help="train, evaluate on held-out data, store the run")
    train.add_argument("task", choices=sorted(REGISTERED))
    train.add_argument(
        "dataset",
        nargs="?",
        help="; ".join(f"{task.name}: {task.dataset_help}" for task in REGISTERED.values())
        + "; leave out with --file",
    )
    train.add_argument(
        "model",
        help="; ".join(
            f"{name}: {', '.join(spec.name for spec in models_for(name))}" for name in REGISTERED
        ),
    )
    train.add_argument("--epochs", type=int, help="shorthand for --set epochs=N")
    train.add_argument("--seed", type=int, default=0, help="split, initialisation and bootstrap")
    train.add_argument("--set", action="append", metavar="KEY=VALUE", help="a hyperparameter")
    train.add_argument("--json", action="store_true", help="print the run as one JSON object")
    uploads = [task for task in REGISTERED.values() if task.upload]
    train.add_argument(
        "--file",
        help="a file to train on: "
        + "; ".join(f"{task.upload.description} ({task.name})" for task in uploads),
    )
    columns = {word: what for task in uploads for word, what in task.upload.columns}
    for word, what in columns.items():
        train.add_argument(f"--{word}-column", help=f"with --file: the column holding {what}")
    train.add_argument("--quiet", action="store_true", help="no per-epoch lines on stderr")
    train.add_argument(
        "--tensorboard",
        action="store_true",
        help="also write the epochs to <data folder>/tensorboard/<run id>/ "
        f"(as ${TENSORBOARD_VARIABLE}=1 does)",
    )
    train.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="default",
        help="tf.distribute strategy for Keras models: one device; mirrored over this "
        "machine's GPUs (or $SEQLAB_LOGICAL_CPUS logical CPUs); multi-worker over the cluster "
        "in $TF_CONFIG (every worker runs the same command, the chief records the run)",
    )
    train.set_defaults(handler=_command_train)

    runs = commands.add_parser("runs", help="list stored runs, newest first")
    runs.add_argument("--task")
    runs.add_argument("--dataset")
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(handler=_command_runs)

    curve = commands.add_parser(
        "curve",
        help="learning curve: a baseline and a neural model on growing training fractions",
    )
    curve.add_argument("task", choices=sorted(REGISTERED))
    curve.add_argument("dataset")
    curve.add_argument("baseline", help="a baseline model of the task")
    curve.add_argument("model", help="a neural model of the task")
    curve.add_argument(
        "--fractions", default="0.1,0.25,0.5,1", help="fractions of the training part"
    )
    curve.add_argument("--seeds", type=int, default=3, help="seeds (subsets and inits) per size")
    curve.add_argument(
        "--seed", type=int, default=0, help="the split seed: the test part every point shares"
    )
    curve.add_argument("--epochs", type=int, help="the neural model's epochs (--set epochs=N)")
    curve.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="a setting of the neural model"
    )
    curve.add_argument(
        "--baseline-set", action="append", metavar="KEY=VALUE", help="a setting of the baseline"
    )
    curve.add_argument("--json", action="store_true", help="print the curve as one JSON object")
    curve.add_argument("--quiet", action="store_true", help="no per-point lines on stderr")
    curve.set_defaults(handler=_command_curve)

    fetch_hn = commands.add_parser(
        "fetch-hn", help="fetch and cache Hacker News threads for the hacker-news reply dataset"
    )
    fetch_hn.add_argument("count", type=int, help="how many top stories not cached yet")
    fetch_hn.set_defaults(handler=_command_fetch_hn)
    add_contest_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        arguments.handler(arguments)
    except UserFacingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
