"""Source checks: nothing in core/, dashboard/ or pages/ unpickles, evaluates or renders raw
HTML, Keras loads in safe mode, Streamlit caps the upload size and shows visitors no traceback.

The checks read the syntax tree (so comments and docstrings that name the calls are fine);
each check is first shown to catch a snippet that breaks it, so none can pass vacuously.
"""

import ast
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from core.data import uploads
from core.data.uploads import MEGABYTE, STREAMLIT_DEFAULT_UPLOAD_MEGABYTES, upload_size_cap_bytes
from core.hosting import HostingSettings
from core.paths import REPO_ROOT
from dashboard import corpus_picker, labelling_view, table_upload
from tests.fixtures.hostile import PATHS
from tests.pages.helpers import open_page, readable
from tests.robustness.report import record
from tests.robustness.test_hostile_uploads import PAGES

SOURCE_FOLDERS = ("core", "dashboard", "pages")
# Modules whose only use is to turn bytes back into live Python objects.
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "joblib", "marshal", "shelve", "cloudpickle"}
UNSAFE_CALLS = {"eval", "exec", "__import__", "read_pickle", "unsafe_load", "full_load"}
# Justified exceptions, as (file, line text); empty: nothing needs one today.
ALLOWED: set[tuple[str, str]] = set()


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((keyword.value for keyword in call.keywords if keyword.arg == name), None)


def _is_constant(node: ast.expr | None, value) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _called_name(call: ast.Call) -> str:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def _owner(call: ast.Call) -> str:
    function = call.func
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        return function.value.id
    return ""


def problems_in(source: str) -> list[tuple[int, str]]:
    """(line, what is wrong) for every unsafe construct in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            modules.append(getattr(node, "module", None) or "")
            for module in modules:
                if module.split(".")[0] in UNSAFE_MODULES:
                    found.append((node.lineno, f"imports {module}, which unpickles"))
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        if name in UNSAFE_CALLS or _owner(node) in UNSAFE_MODULES:
            found.append((node.lineno, f"calls {_owner(node) or 'builtin'}.{name}"))
        if name == "load" and _owner(node) in ("yaml", "torch"):
            found.append((node.lineno, f"calls {_owner(node)}.load, which can build objects"))
        if name == "load" and _owner(node) in ("np", "numpy"):
            allow = _keyword(node, "allow_pickle")
            if allow is not None and not _is_constant(allow, False):
                found.append((node.lineno, "np.load without allow_pickle=False"))
        if name == "load_model" and not _is_constant(_keyword(node, "safe_mode"), True):
            found.append((node.lineno, "load_model without safe_mode=True"))
        html = _keyword(node, "unsafe_allow_html")
        if html is not None and not _is_constant(html, False):
            texts = node.args[:1]
            if not (
                texts and isinstance(texts[0], ast.Constant) and isinstance(texts[0].value, str)
            ):
                found.append((node.lineno, "unsafe_allow_html on a string that is not a constant"))
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "import pickle",
        "from joblib import load",
        "import dill as d",
        "x = pickle.loads(raw)",
        "eval(text)",
        "exec(code)",
        "frame = pd.read_pickle(path)",
        "arrays = np.load(path, allow_pickle=True)",
        "arrays = np.load(path, allow_pickle=flag)",
        "data = yaml.load(stream)",
        "model = keras.saving.load_model(path)",
        "model = keras.models.load_model(path, safe_mode=False)",
        "model = load_model(path, compile=False)",
        "st.markdown(user_text, unsafe_allow_html=True)",
        "st.markdown(f'<b>{name}</b>', unsafe_allow_html=True)",
    ],
)
def test_the_check_catches_each_unsafe_construct(snippet):
    assert problems_in(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "arrays = np.load(path, allow_pickle=False)",
        "arrays = np.load(path)",  # numpy's default refuses pickles
        "model = keras.saving.load_model(path, safe_mode=True, compile=False)",
        "st.markdown('<hr>', unsafe_allow_html=True)",
        "st.markdown(text, unsafe_allow_html=False)",
        "data = yaml.safe_load(stream)",
        "model.evaluate(x)",
    ],
)
def test_the_check_passes_safe_code(snippet):
    assert problems_in(snippet) == [], snippet


def test_no_unpickling_evaluation_unsafe_keras_load_or_raw_html_in_the_app():
    files = sorted(path for folder in SOURCE_FOLDERS for path in (REPO_ROOT / folder).rglob("*.py"))
    assert len(files) > 50  # the whole app is read, not an empty folder
    found = []
    for path in files:
        source = path.read_text("utf-8")
        lines = source.splitlines()
        relative = str(path.relative_to(REPO_ROOT))
        for line, problem in problems_in(source):
            if (relative, lines[line - 1].strip()) not in ALLOWED:
                found.append(f"{relative}:{line}: {problem}")
    assert found == []
    record("security_checks", {"source_files_checked": len(files), "problems": len(found)})


def test_streamlit_caps_uploads_and_core_uses_the_same_cap():
    with open(REPO_ROOT / ".streamlit" / "config.toml", "rb") as config_file:
        megabytes = tomllib.load(config_file)["server"]["maxUploadSize"]
    assert 0 < megabytes < STREAMLIT_DEFAULT_UPLOAD_MEGABYTES
    assert upload_size_cap_bytes() == megabytes * MEGABYTE
    # The server refuses requests above maxUploadSize: hosted mode's cap must fit under it.
    assert HostingSettings().max_upload_mb <= megabytes


def _never(*_arguments):
    raise AssertionError("the file was read")


@pytest.mark.parametrize("path", PATHS)
def test_each_uploader_refuses_a_file_over_the_cap_before_reading_it(path, monkeypatch):
    monkeypatch.setattr(uploads, "upload_size_cap_bytes", lambda: 100)
    monkeypatch.setattr(table_upload, "read_table", _never)
    monkeypatch.setattr(corpus_picker, "corpus_from_upload", _never)
    monkeypatch.setattr(labelling_view, "parse_tagged_upload", _never)
    page, (widget, key, choice), uploader = PAGES[path]
    app = open_page(page)
    getattr(app, widget)(key=key).set_value(choice).run()
    app.file_uploader(key=uploader).upload("big.txt", b"x" * 101, "text/plain").run()
    assert not app.exception, app.exception
    assert "'big.txt' is 101 bytes, over the 100 bytes upload limit; upload a sample of it " in (
        " ".join(readable(app.error))
    )


def test_a_visitor_sees_no_traceback_or_error_message():
    with open(REPO_ROOT / ".streamlit" / "config.toml", "rb") as config_file:
        assert tomllib.load(config_file)["client"]["showErrorDetails"] == "none"
    # AppTest reads the same config file (from the repository root, where tests run).
    app = AppTest.from_string("raise ValueError('the secret key is 1234')").run()
    assert "1234" not in app.exception[0].message
    assert app.exception[0].stack_trace == []


# Markdown a visitor can put in an upload: a link, bold, raw HTML and an image.
LINK, BOLD, HTML, IMAGE = (
    "[click](https://evil.example)",
    "**loud**",
    "<b>spam</b>",
    "![x](https://evil.example/x.png)",
)


def _markdown_shown(app) -> list[str]:
    """The text of every element Streamlit renders as Markdown on the page."""
    kinds = (app.markdown, app.caption, app.info, app.warning, app.error, app.success)
    return [element.value for elements in kinds for element in elements]


def _hostile_table() -> bytes:
    rows = [f"{BOLD},{LINK}"]  # the header: the column names
    for number in range(12):
        rows += [f"text {number} {IMAGE},{HTML}", f"other {number},{LINK}"]
    rows.append(f",{HTML}")  # an empty text: a note names the text column
    return ("\n".join(rows) + "\n").encode()


def _shown_as_typed_never_as_markdown(app, hostiles: tuple[str, ...]) -> None:
    shown = _markdown_shown(app)
    as_read = " ".join(readable_text.replace("\\", "") for readable_text in shown)
    for hostile in hostiles:  # each is shown...
        assert hostile in as_read, hostile
    for text in shown:  # ...but never as Markdown: every bracket, star and angle is escaped
        assert not any(hostile in text for hostile in (LINK, BOLD, HTML, IMAGE)), text


def test_upload_names_columns_and_labels_are_shown_as_typed_never_as_markdown():
    app = open_page("text_classification.py")
    app.radio(key="text.dataset.source").set_value("Upload a CSV/TSV").run()
    app.file_uploader(key="text.dataset.file").upload(f"{LINK}.csv", _hostile_table(), "text/csv")
    app.run()
    app.selectbox(key="text.dataset.text_column").set_value(BOLD).run()
    app.selectbox(key="text.dataset.label_column").set_value(LINK).run()
    assert not app.exception, app.exception
    _shown_as_typed_never_as_markdown(app, (LINK, BOLD, HTML))  # file name, column, labels
    # The upload in the dataset picker: its description lists the labels, its source the file.
    app.radio(key="text.dataset.source").set_value("A bundled dataset").run()
    picker = app.selectbox(key="text.dataset.name")
    picker.set_value(next(option for option in picker.options if "evil" in option)).run()
    assert not app.exception, app.exception
    _shown_as_typed_never_as_markdown(app, (f"your file {LINK}.csv", HTML))
