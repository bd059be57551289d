import subprocess
import sys

from core.paths import REPO_ROOT
from tests.pages.helpers import open_page


def test_home_explains_the_question_and_lists_the_tasks():
    app = open_page()
    assert app.title[0].value == "seqlab: do I need a neural net?"
    overview = " ".join(element.value for element in app.markdown)
    assert "Logistic regression" in overview and "LSTM" in overview and "Digits 8x8" in overview
    assert (
        "Kneser-Ney n-gram" in overview and "word segmentation of Lee background corpus" in overview
    )


def test_first_page_renders_without_importing_tensorflow():
    script = (
        "import sys\n"
        "from tests.pages.helpers import open_page\n"
        "open_page()\n"
        "print(sorted(name for name in ('tensorflow', 'keras') if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
