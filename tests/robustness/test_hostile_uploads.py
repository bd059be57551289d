"""Every upload path against the hostile corpus (tests/fixtures/hostile.py): the parsers in
core, the CLI's --file, and each page's file uploader under AppTest.

Each file must be refused with the project's own message (a UserFacingError naming the
problem), leave nothing in the upload store or the run store, and leave the page serving.
"""

import re
import signal
from pathlib import Path

import pytest

from core.__main__ import main
from core.data.upload_store import uploads_folder
from core.errors import UserFacingError
from core.paths import store_url
from core.runs.store import RunStore
from tests.fixtures.hostile import (
    LABELLED_TEXTS,
    PATHS,
    READERS,
    REPLY_PAIRS,
    TAGGED_CORPUS,
    TEXT_CORPUS,
    accepted_files,
    hostile_files,
    valid_file,
)
from tests.pages.helpers import open_page, readable
from tests.robustness.report import record

# The CLI's --file: task, a baseline (never reached), the column options.
CLI = {
    LABELLED_TEXTS: (
        "text-classification",
        "tfidf-logreg",
        "--text-column",
        "text",
        "--label-column",
        "label",
    ),
    REPLY_PAIRS: (
        "reply",
        "tfidf-retrieval",
        "--message-column",
        "message",
        "--reply-column",
        "reply",
    ),
    TAGGED_CORPUS: ("sequence-labelling", "logreg-window"),
}


def stored_uploads() -> list[str]:
    folder = uploads_folder()
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def stored_runs() -> list[str]:
    return [run.id for run in RunStore(store_url()).list_runs()]


def refusal(read, raw: bytes, filename: str) -> str:
    """The message `read` refuses the file with; fails if it accepts it or crashes."""
    try:
        read(raw, filename)
    except UserFacingError as error:
        return str(error)
    raise AssertionError(f"{filename} was accepted")


@pytest.mark.parametrize("path", PATHS)
def test_the_parsers_refuse_every_hostile_file_with_its_reason_and_store_nothing(path):
    tried = 0
    for hostile in hostile_files(path):
        message = refusal(READERS[path], hostile.raw, hostile.filename)
        assert re.search(hostile.expected, message), (hostile.kind, message)
        assert stored_uploads() == [], hostile.kind
        tried += 1
    READERS[path](valid_file(path), "valid" + Path(hostile.filename).suffix)
    assert len(stored_uploads()) == 1  # the same store takes a good file
    record(f"hostile_uploads.core.{path}", {"files_tried": tried, "refused_with_reason": tried})


@pytest.mark.parametrize("path", [LABELLED_TEXTS, REPLY_PAIRS])
def test_spreadsheet_formulas_are_data_kept_as_text(path):
    [formulas] = accepted_files(path)
    READERS[path](formulas.raw, formulas.filename)
    [stored] = stored_uploads()
    assert "=cmd|' /C calc'!A0" in (uploads_folder() / stored).read_text("utf-8")


@pytest.mark.parametrize("path", sorted(CLI))
def test_the_command_line_refuses_every_hostile_file_with_exit_2(path, tmp_path, capsys):
    interrupt = signal.getsignal(signal.SIGINT)  # `train` installs its own Ctrl-C handler
    tried = 0
    try:
        for hostile in hostile_files(path):
            file = tmp_path / hostile.filename
            file.write_bytes(hostile.raw)
            assert main(["train", *CLI[path], "--file", str(file)]) == 2, hostile.kind
            error = capsys.readouterr().err
            assert error.startswith("error: ") and "Traceback" not in error, error
            assert re.search(hostile.expected, error), (hostile.kind, error)
            assert stored_uploads() == [] and stored_runs() == [], hostile.kind
            tried += 1
    finally:
        signal.signal(signal.SIGINT, interrupt)
    record(f"hostile_uploads.cli.{path}", {"files_tried": tried, "exit_2_with_reason": tried})


# Each page's uploader: (page, how to reach the uploader, its key, the MIME type sent).
PAGES = {
    LABELLED_TEXTS: (
        "text_classification.py",
        ("radio", "text.dataset.source", "Upload a CSV/TSV"),
        "text.dataset.file",
    ),
    REPLY_PAIRS: ("replier.py", ("radio", "reply.data.source", "upload"), "reply.data.file"),
    TEXT_CORPUS: (
        "predictive_text.py",
        ("selectbox", "predict.corpus", "upload"),
        "predict.corpus.file",
    ),
    TAGGED_CORPUS: (
        "sequence_labelling.py",
        ("radio", "labelling.data.source", "Upload a tagged corpus"),
        "labelling.data.file",
    ),
}


@pytest.mark.parametrize("path", PATHS)
def test_each_page_shows_the_reason_for_every_hostile_file_and_keeps_serving(path):
    """One visitor uploads every hostile file in turn, then a good one, in one session."""
    page, (widget, key, choice), uploader = PAGES[path]
    app = open_page(page)
    getattr(app, widget)(key=key).set_value(choice).run()
    tried = 0
    for hostile in hostile_files(path):
        app.file_uploader(key=uploader).upload(hostile.filename, hostile.raw, "text/plain").run()
        assert not app.exception, (hostile.kind, app.exception)
        shown = readable(app.error)
        assert any(re.search(hostile.expected, error) for error in shown), (hostile.kind, shown)
        assert not app.header, hostile.kind  # no training offered on a refused file
        assert stored_uploads() == [] and stored_runs() == [], hostile.kind
        tried += 1
    good = valid_file(path)
    app.file_uploader(key=uploader).upload(
        "good" + Path(hostile.filename).suffix, good, "text/plain"
    )
    app.run()
    assert not app.exception and not app.error, readable(app.error)
    assert len(stored_uploads()) == 1
    record(f"hostile_uploads.page.{path}", {"files_tried": tried, "message_shown": tried})
