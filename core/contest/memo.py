"""The decision memo: a contest as one self-contained HTML file and one JSON file.

The JSON holds everything (core/contest/contest_result.py `to_dict`) plus the versions of
what computed it and the commands that reproduce it. The HTML is the same for a reader: the
verdict, the tables, and the figures with plotly.js inlined, so the file opens offline and
can be mailed as it is. Every value that came from the data (labels, file names) is escaped.
"""

import html
import json
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from core.contest.contest_figures import forecast_figure, ladder_figure, trials_figure
from core.contest.contest_result import ContestResult
from core.files import write_atomically

VERSIONED = ("numpy", "scikit-learn", "tensorflow", "tensorflow-cpu", "keras", "optuna", "gensim")


def versions() -> dict[str, str]:
    """Python's and the numeric packages' versions, those installed."""
    found = {"python": platform.python_version()}
    for package in VERSIONED:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


def reproduce_commands(result: ContestResult) -> list[str]:
    """The contest's own command, and each pick's training command with its tuned settings."""
    commands = [
        f"python -m core contest {result.task} {result.dataset} "
        f"--budget {result.budget_seconds:g} --seed {result.seed}"
    ]
    for contender in result.contenders.values():
        settings = "".join(
            f" --set {name}={value}" for name, value in contender.trial.settings.items()
        )
        commands.append(
            f"python -m core train {result.task} {result.dataset} {contender.rung.model} "
            f"--seed {result.seed}{settings}"
        )
    return commands


def memo_dict(result: ContestResult) -> dict:
    return {
        **result.to_dict(),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "reproduce": reproduce_commands(result),
    }


def rung_table(result: ContestResult) -> str:
    """The ladder as plain text: each rung's trials, best validation and, for the two picks,
    test accuracy and costs."""
    lines = [
        f"{'rung':32} {'side':8} {'trials':>6} {'val acc':>8} {'test acc':>8} "
        f"{'train s':>8} {'ms/pred':>8} {'params':>10}"
    ]
    picks = {contender.rung.model: contender for contender in result.contenders.values()}
    for rung in result.rungs:
        best = rung.sweep.best
        pick = picks.get(rung.model)
        validation = "-" if best is None else f"{best.score:.4f}" + ("" if best.complete else "*")
        test = f"{pick.score:.4f}" if pick else ""
        cost = (
            f"{pick.run.train_seconds:8.1f} {pick.run.predict_ms:8.3f} {pick.run.param_count:10,}"
            if pick
            else ""
        )
        lines.append(
            f"{rung.title[:32]:32} {rung.family:8} {len(rung.sweep.trials):6} "
            f"{validation:>8} {test:>8} {cost}".rstrip()
        )
    lines.append(f"majority floor (test): {result.floor:.4f}; * best trial cut short")
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(header))}</th>" for header in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def memo_html(result: ContestResult) -> str:
    """The memo as one HTML page, plotly.js inlined once."""
    values = memo_dict(result)
    figures = [ladder_figure(result)]
    if result.forecast is not None and result.forecast.status != "no forecast":
        figures.append(forecast_figure(result))
    figures += [
        trials_figure(contender.rung.sweep)
        for contender in result.contenders.values()
        if sum(trial.score is not None for trial in contender.rung.sweep.trials) > 1
    ]
    plots = "".join(
        figure.to_html(full_html=False, include_plotlyjs=index == 0)
        for index, figure in enumerate(figures)
    )
    rungs = _table(
        ["rung", "side", "trials", "best validation accuracy", "best trial", "settings"],
        [
            [
                rung.title,
                rung.family,
                len(rung.sweep.trials),
                "-" if rung.sweep.best is None else f"{rung.sweep.best.score:.4f}",
                "-" if rung.sweep.best is None else rung.sweep.best.state,
                "-" if rung.sweep.best is None else json.dumps(rung.sweep.best.settings),
            ]
            for rung in result.rungs
        ],
    )
    picks = _table(
        ["side", "model", "test accuracy (95% CI)", "train s", "ms / prediction", "parameters"]
        + ["MB"],
        [
            [
                side,
                contender.rung.title,
                f"{contender.score:.4f} ({contender.run.metrics['accuracy_low']:.4f}-"
                f"{contender.run.metrics['accuracy_high']:.4f})",
                f"{contender.run.train_seconds:.1f}",
                f"{contender.run.predict_ms:.3f}",
                f"{contender.run.param_count:,}",
                "-" if contender.megabytes is None else f"{contender.megabytes:.2f}",
            ]
            for side, contender in result.contenders.items()
        ],
    )
    installed = ", ".join(f"{name} {value}" for name, value in values["versions"].items())
    facts = _table(
        ["", ""],
        [
            ["dataset", f"{result.dataset} (fingerprint {result.fingerprint})"],
            ["split", json.dumps(result.split)],
            ["tuning budget", f"{result.budget_seconds:g} s, half per side"],
            ["majority floor", f"{result.floor:.4f}"],
            ["versions", installed],
            ["written", values["written_at"]],
        ],
    )
    commands = "".join(f"<pre>{html.escape(command)}</pre>" for command in values["reproduce"])
    title = html.escape(f"Decision memo: {result.task} on {result.dataset}")
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif;max-width:1000px;margin:auto;padding:1em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
        "padding:4px 8px;text-align:left}</style></head><body>"
        f"<h1>{title}</h1><h2>Verdict</h2><p>{html.escape(result.verdict)}</p>"
        f"<h2>The picks, scored once on the test part</h2>{picks}"
        f"<h2>Every rung, tuned on the validation part</h2>{rungs}{plots}"
        f"<h2>The data and the versions</h2>{facts}<h2>To reproduce</h2>{commands}"
        "</body></html>"
    )


def write_memo(result: ContestResult, folder: Path) -> list[Path]:
    """Write `contest-<task>-<dataset>-seed<N>.html` and `.json` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"contest-{result.task}-{result.dataset}-seed{result.seed}"
    document = memo_html(result)
    values = json.dumps(memo_dict(result), indent=1)
    return [
        write_atomically(stem.with_suffix(".html"), lambda path: path.write_text(document)),
        write_atomically(stem.with_suffix(".json"), lambda path: path.write_text(values)),
    ]
