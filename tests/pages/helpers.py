"""Open a page of the real app under AppTest, and wait for background training."""

from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT

ENTRY = str(REPO_ROOT / "dashboard" / "app.py")
TIMEOUT = 120  # pages that train import TensorFlow, which alone takes seconds


def open_page(page: str | None = None, link: dict[str, str] | None = None) -> AppTest:
    """The app on `page`, opened from a link with the query parameters `link`."""
    app = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    app.query_params.update(link or {})
    app.run()
    if page:
        app.switch_page(f"../pages/{page}").run()
    assert not app.exception, app.exception
    return app


def wait_for_training(app: AppTest, limit_seconds: float = 300) -> AppTest:
    job = app.session_state["training_job"]
    assert job.wait(limit_seconds), "training did not finish"
    return app.run()


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def readable(elements) -> list[str]:
    """The elements' texts as a reader sees them: Markdown's escaping backslashes removed."""
    return [text.replace("\\", "") for text in texts(elements)]
