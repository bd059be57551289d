"""Load: several visitors at once, each uploading their own labelled texts, training the
TF-IDF baseline and asking it for predictions, all in step (a barrier before each stage).

Every session must finish, see only its own data, runs and labels (session state is per
session; module-level state would leak between them), and nothing may be logged as an error
or traceback, in the app or in the training processes.
"""

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.pages.helpers import open_page, texts
from tests.robustness.report import record

SESSIONS = 4
PAGE = "text_classification.py"
# A session that fails before a barrier must not leave the others waiting for ever.
BARRIER_SECONDS = 300


def labelled_csv(session: int, rows: int = 40) -> bytes:
    """Texts and labels that belong to one session alone: labels yes<session>/no<session>."""
    lines = ["review,verdict"]
    for index in range(rows // 2):
        lines += [
            f"session{session} lovely bright {index},yes{session}",
            f"session{session} gloomy dull {index},no{session}",
        ]
    return ("\n".join(lines) + "\n").encode()


def visit(session: int, together: threading.Barrier) -> dict:
    try:
        return _visit(session, together)
    except BaseException:
        together.abort()  # the others stop waiting and fail too
        raise


def _visit(session: int, together: threading.Barrier) -> dict:
    app = open_page(PAGE)
    app.radio(key="text.dataset.source").set_value("Upload a CSV/TSV").run()
    app.file_uploader(key="text.dataset.file").upload(
        f"session{session}.csv", labelled_csv(session), "text/csv"
    ).run()
    models = app.multiselect(key="text.config.models")
    models.set_value([models.options[0]]).run()  # the TF-IDF baseline: no TensorFlow
    together.wait()
    app.button(key="train").click().run()
    job = app.session_state["training_job"]
    assert job.wait(300), f"session {session}: training did not finish"
    app.run()
    together.wait()
    app.text_area(key="text.try.text").input(f"session{session} lovely bright").run()
    assert not app.exception, (session, app.exception)
    trained = app.session_state["trained_models"]
    shown = " ".join(texts(app.markdown) + texts(app.success) + texts(app.caption))
    return {
        "session": session,
        "dataset": app.session_state["uploaded_datasets"],
        "runs": [(model.run.id, model.run.dataset, model.run.status) for model in trained],
        "labels": set(re.findall(r"(?:yes|no)(\d+)", shown)),
        "answer": re.search(r"\*\*: (yes|no)(\d+)", shown),
    }


def test_sessions_training_and_predicting_at_once_keep_to_themselves(capfd, caplog):
    caplog.set_level(logging.WARNING)
    together = threading.Barrier(SESSIONS, timeout=BARRIER_SECONDS)
    with ThreadPoolExecutor(SESSIONS) as pool:
        outcomes = list(pool.map(visit, range(SESSIONS), [together] * SESSIONS))

    run_ids = set()
    for outcome in outcomes:
        session = outcome["session"]
        [dataset] = outcome["dataset"]
        [(run_id, run_dataset, status)] = outcome["runs"]
        assert run_dataset == dataset and status == "finished", outcome
        run_ids.add(run_id)
        assert outcome["labels"] == {str(session)}, outcome  # no other session's labels
        assert outcome["answer"] and outcome["answer"].groups() == ("yes", str(session)), outcome
    assert len(run_ids) == SESSIONS
    assert len({outcome["dataset"][0] for outcome in outcomes}) == SESSIONS

    errors = [entry.getMessage() for entry in caplog.records if entry.levelno >= logging.ERROR]
    output = capfd.readouterr()
    log = output.out + output.err
    assert errors == [] and "Traceback" not in log and "Error" not in log, (errors, log[-2000:])
    record(
        "load.concurrent_sessions",
        {
            "sessions": SESSIONS,
            "finished": len(run_ids),
            "cross_talk": 0,
            "errors_logged": len(errors),
        },
    )
