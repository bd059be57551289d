"""Run one bench script at two commits, taking turns, to show a change kept its speed.

A refactor that moves code should not move the numbers. Each commit is checked out in a
temporary git worktree beside this checkout (sharing its .venv and data folder, with its
own compiled kernels built by `make native`), then the script runs at A, B, A, B, ... so that
load from other jobs falls on both alike. Each run prints its own table; at the end every
table row that the script prints with a ratio in its last column is summarised: the median
of that ratio over the rounds, per commit, and B's median over A's.

    .venv/bin/python bench/compare_commits.py A B [--rounds 3] -- bench/throughput.py --cells lstm
"""

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A table row: a name, then columns, the last a ratio such as 1.94 (throughput.py's rows).
ROW = re.compile(r"^(?P<name>[a-z][\w ,.'-]*?)\s{2,}.*?(?P<ratio>\d+\.\d+)\s*$")


def worktree(commit: str, folder: Path) -> Path:
    """`commit` checked out in `folder`, with this checkout's .venv and data, kernels built."""
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), commit],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    for shared in (".venv", "data"):
        if (ROOT / shared).exists():
            (folder / shared).symlink_to(ROOT / shared)
    # -o: the shared .venv counts as installed; make must not reinstall it from this tree.
    subprocess.run(
        ["make", "-o", ".venv/.installed-stamp", "native"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return folder


def run(folder: Path, script: list[str]) -> str:
    completed = subprocess.run(
        # The worktree's own path to the shared .venv, as `make native` used: the kernels'
        # library name follows TensorFlow's include path, which follows that path.
        [str(folder / ".venv" / "bin" / "python"), *script],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def ratios(output: str) -> dict[str, float]:
    """{row name, prefixed by its table's title line: ratio} from one run's printed tables.

    A table starts after a line of one word (throughput.py's "lstm" and "gru")."""
    found, section = {}, ""
    for line in output.splitlines():
        if re.fullmatch(r"[a-z][\w-]*", line.strip()):
            section = line.strip()
        match = ROW.match(line)
        if match and not line.startswith("#"):
            found[f"{section} {match['name'].strip()}"] = float(match["ratio"])
    return found


def _split_at_separator(argv: list[str]) -> tuple[list[str], bool, list[str]]:
    """(this script's arguments, whether "--" was given, the bench script's command)."""
    if "--" not in argv:
        return argv, False, []
    index = argv.index("--")
    return argv[:index], True, argv[index + 1 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commit_a")
    parser.add_argument("commit_b")
    parser.add_argument("--rounds", type=int, default=3, help="runs of the script per commit")
    own, separator, script = _split_at_separator(sys.argv[1:])
    arguments = parser.parse_args(own)
    if not separator or not script:
        parser.error("name the bench script and its arguments after --")
    commits = [arguments.commit_a, arguments.commit_b]
    print(
        f"# {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {' '.join(script)} at {commits[0]} and "
        f"{commits[1]}, {arguments.rounds} rounds taking turns"
    )
    scratch = Path(tempfile.mkdtemp(prefix="seqlab-compare-"))
    folders = {}
    try:
        for index, commit in enumerate(commits):
            folders[commit] = worktree(commit, scratch / f"commit-{index}")
        found: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for round_number in range(arguments.rounds):
            for commit in commits:
                output = run(folders[commit], script)
                print(f"\n## round {round_number + 1}, {commit}\n{output}", flush=True)
                for name, ratio in ratios(output).items():
                    found[name][commit].append(ratio)
        print(f"\n# median ratio per row over {arguments.rounds} rounds")
        print(f"{'row':44} {commits[0][:10]:>10} {commits[1][:10]:>10} {'B / A':>7}")
        for name, by_commit in found.items():
            if all(by_commit[commit] for commit in commits):
                a, b = (statistics.median(by_commit[commit]) for commit in commits)
                print(f"{name:44} {a:10.2f} {b:10.2f} {b / a:7.2f}")
    finally:
        for folder in folders.values():
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False
            )
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
