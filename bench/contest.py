"""The contest on the bundled datasets: every rung tuned with the same budget per side.

Runs `python -m core contest TASK DATASET --budget SECONDS --json --memo FOLDER` for each
dataset, one process each (so one dataset's TensorFlow memory does not carry into the next),
into a throwaway run store, and prints a Markdown section for bench/README.md: per dataset
the ladder's table, the verdict, the forecast with its back-check and the order probes.
The memos (HTML and JSON) stay in the folder it names. Usage:

    .venv/bin/python bench/contest.py [--budget SECONDS] [DATASET ...]
    (default: 600 s; digits sms-spam trec-questions rotten-tomatoes)
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.data.datasets import dataset_info  # noqa: E402
from core.paths import REPO_ROOT  # noqa: E402

DEFAULT_DATASETS = ["digits", "sms-spam", "trec-questions", "rotten-tomatoes"]


def contest(dataset: str, budget: float, folder: Path) -> tuple[dict, float]:
    """One dataset's contest in its own process; its JSON and the wall-clock seconds."""
    environment = {
        **os.environ,
        "SEQLAB_DATABASE_URL": f"sqlite:///{folder / 'runs.sqlite3'}",
        "SEQLAB_ARTIFACTS": str(folder / "artifacts"),
    }
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-m", "core", "contest", dataset_info(dataset).task, dataset]
        + ["--budget", f"{budget:g}", "--json", "--memo", str(folder / "memos")],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode:
        raise SystemExit(f"{dataset}: exit {finished.returncode}\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout), time.perf_counter() - started


def _number(value, pattern: str) -> str:
    return "" if value is None else format(value, pattern)


def section(result: dict, wall_seconds: float) -> str:
    """One dataset's part of the Markdown section."""
    picks = {value["model"]: value for value in result["contenders"].values()}
    lines = [
        f"#### {result['dataset']} ({result['split']['train']:,} training, "
        f"{result['split']['validation']:,} validation, {result['split']['test']:,} test "
        f"examples; majority floor {result['majority_floor']:.4f}; "
        f"{wall_seconds / 60:.1f} min wall)",
        "",
        "| rung | side | trials (complete) | best validation | test | train s | ms / prediction "
        "| parameters | MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rung in result["rungs"]:
        best = rung["best"]
        validation = "-" if best is None else f"{best['score']:.4f}"
        if best is not None and best["state"] != "complete":
            validation += f" ({best['state']}, {best['epochs_trained']}/{best['epochs_planned']})"
        pick = picks.get(rung["model"])
        cells = ["", "", "", "", ""]
        if pick:
            cells = [
                f"**{pick['test_accuracy']:.4f}**",
                _number(pick["train_seconds"], ".1f"),
                _number(pick["predict_ms"], ".3f"),
                _number(pick["parameters"], ","),
                _number(pick["megabytes"], ".2f"),
            ]
        lines.append(
            f"| {rung['title']} | {rung['family']} | {rung['trials']} ({rung['complete_trials']}) "
            f"| {validation} | " + " | ".join(cells) + " |"
        )
    lines += ["", f"Verdict: {result['verdict']}", ""]
    for side, pick in result["contenders"].items():
        settings = (result["rungs"][[r["model"] for r in result["rungs"]].index(pick["model"])])[
            "best"
        ]["settings"]
        lines.append(f"- {side} pick `{pick['model']}` tuned settings: `{json.dumps(settings)}`")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=600)
    parser.add_argument("--keep", help="a folder to keep the stores and memos in")
    parser.add_argument("datasets", nargs="*", default=DEFAULT_DATASETS)
    arguments = parser.parse_args()
    folder = Path(arguments.keep or tempfile.mkdtemp(prefix="seqlab-contest-"))
    print(
        f"Measured {date.today():%Y-%m-%d} on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; "
        f"`python bench/contest.py --budget {arguments.budget:g}`, seed 0, bundled splits.\n"
    )
    for dataset in arguments.datasets:
        result, seconds = contest(dataset, arguments.budget, folder / dataset)
        print(section(result, seconds), flush=True)
    print(f"Memos (HTML and JSON): {folder}/*/memos/")


if __name__ == "__main__":
    main()
