"""The CLI's `tune` and `contest` commands (core/__main__.py adds them to its parser).

    python -m core tune TASK DATASET MODEL --budget SECONDS [--sweep ID] [--seed N] [--json]
    python -m core contest TASK DATASET --budget SECONDS [--seed N] [--json] [--memo FOLDER]

Progress goes to stderr, one line per trial or stage, so `--json` on stdout stays parseable.
Ctrl-C stops between batches: a sweep keeps its trials, a contest judges what finished.
"""

import json
import signal
import sys
from dataclasses import asdict
from pathlib import Path

from core.contest.contest import ContestObserver, run_contest
from core.contest.memo import rung_table, write_memo
from core.contest.sweeps import Sweep, Trial
from core.contest.tuning import tune
from core.paths import store_url
from core.progress import StopFlag
from core.runs.store import RunStore
from core.tasks.registry import REGISTERED


class _Console(ContestObserver):
    """A line per trial and per stage on stderr, and the Ctrl-C stop flag."""

    def __init__(self, quiet: bool) -> None:
        self.stop = StopFlag()
        self.quiet = quiet
        signal.signal(signal.SIGINT, lambda *_: self.stop.request_stop())

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def on_stage(self, index: int, total: int, description: str) -> None:
        self._say(f"[{index + 1}/{total}] {description}")

    def on_trial_end(self, trial: Trial) -> None:
        score = "-" if trial.score is None else f"{trial.score:.4f}"
        drawn = ", ".join(f"{name}={_short(value)}" for name, value in trial.settings.items())
        self._say(
            f"  trial {trial.number}: {trial.state:8} validation accuracy {score} "
            f"({trial.seconds:.1f} s) {drawn}"
        )

    def should_stop(self) -> bool:
        return self.stop.should_stop()


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def sweep_table(sweep: Sweep) -> str:
    """The sweep's trials best first, and how to reproduce the best."""
    ranked = sorted(
        (trial for trial in sweep.trials if trial.score is not None),
        key=lambda trial: (not trial.complete, -trial.score),
    )
    lines = [f"sweep {sweep.id}: {len(sweep.trials)} trials of {sweep.model} on {sweep.dataset}"]
    lines += [
        f"  {trial.number:4} {trial.state:8} {trial.score:.4f}  "
        + ", ".join(f"{name}={_short(value)}" for name, value in trial.settings.items())
        for trial in ranked
    ]
    best = sweep.best
    if best is not None:
        settings = " ".join(f"--set {name}={value}" for name, value in best.settings.items())
        lines.append(
            f"best: trial {best.number}, validation accuracy {best.score:.4f}; reproduce with "
            f"python -m core train {sweep.task} {sweep.dataset} {sweep.model} "
            f"--seed {sweep.seed} {settings}".rstrip()
        )
    return "\n".join(lines)


def _command_tune(arguments) -> None:
    console = _Console(arguments.quiet)
    sweep = tune(
        arguments.task,
        arguments.dataset,
        arguments.model,
        budget_seconds=arguments.budget,
        store=RunStore(store_url()),
        seed=arguments.seed,
        observer=console,
        sweep_id=arguments.sweep,
        max_trials=arguments.trials,
    )
    if arguments.json:
        print(json.dumps(sweep_dict(sweep)))
        return
    print(sweep_table(sweep))


def sweep_dict(sweep: Sweep) -> dict:
    return {**asdict(sweep), "best": None if sweep.best is None else asdict(sweep.best)}


def _command_contest(arguments) -> None:
    console = _Console(arguments.quiet)
    result = run_contest(
        arguments.task,
        arguments.dataset,
        budget_seconds=arguments.budget,
        store=RunStore(store_url()),
        seed=arguments.seed,
        observer=console,
    )
    if arguments.memo:
        for path in write_memo(result, Path(arguments.memo)):
            print(f"wrote {path}", file=sys.stderr)
    if arguments.json:
        print(json.dumps(result.to_dict()))
        return
    print(rung_table(result))
    print()
    print(result.verdict)


def add_commands(commands) -> None:
    """Add `tune` and `contest` to the CLI's subcommands."""
    tasks = sorted(name for name, task in REGISTERED.items() if task.tuning_view is not None)
    tune_parser = commands.add_parser(
        "tune",
        help="tune one model: random search with successive halving, scored on validation",
    )
    tune_parser.add_argument("task", choices=tasks)
    tune_parser.add_argument("dataset")
    tune_parser.add_argument("model")
    tune_parser.add_argument("--budget", type=float, required=True, help="wall-clock seconds")
    tune_parser.add_argument(
        "--sweep", help="join this sweep (another process may be working on it)"
    )
    tune_parser.add_argument("--trials", type=int, help="stop after this many trials")
    tune_parser.set_defaults(handler=_command_tune)

    contest_parser = commands.add_parser(
        "contest",
        help="every rung tuned with the same budget per side; the best of each side judged",
    )
    contest_parser.add_argument("task", choices=tasks)
    contest_parser.add_argument("dataset")
    contest_parser.add_argument(
        "--budget", type=float, required=True, help="wall-clock tuning seconds, half per side"
    )
    contest_parser.add_argument(
        "--memo", metavar="FOLDER", help="also write the decision memo (HTML and JSON) here"
    )
    contest_parser.set_defaults(handler=_command_contest)
    for parser in (tune_parser, contest_parser):
        parser.add_argument("--seed", type=int, default=0, help="split, inits and draws")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
