"""seqlab's entry point: page config and navigation over the page scripts in ../pages."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` only puts dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.hosting import start_hosting  # noqa: E402

st.set_page_config(
    page_title="seqlab: do I need a neural net?", page_icon=":material/science:", layout="wide"
)
# Streamlit runs this script as __main__; a spawned training process runs it again as
# __mp_main__ (spawn re-imports the parent's main module), where nothing must start.
if __name__ == "__main__":
    start_hosting()  # settings from .streamlit/secrets.toml; hosted: reference runs, cookie
PAGES = ROOT / "pages"
st.navigation(
    {
        "seqlab": [
            st.Page(PAGES / "home.py", title="Home", icon=":material/home:", default=True),
            st.Page(
                PAGES / "sequence_classification.py",
                title="Sequence classification",
                icon=":material/view_week:",
                url_path="sequence-classification",
            ),
            st.Page(
                PAGES / "text_classification.py",
                title="Text classification",
                icon=":material/article:",
                url_path="text-classification",
            ),
            st.Page(
                PAGES / "predictive_text.py",
                title="Predictive text",
                icon=":material/keyboard:",
                url_path="predictive-text",
            ),
            st.Page(
                PAGES / "sequence_labelling.py",
                title="Sequence labelling",
                icon=":material/label:",
                url_path="sequence-labelling",
            ),
            st.Page(
                PAGES / "replier.py",
                title="Replier",
                icon=":material/forum:",
                url_path="replier",
            ),
            st.Page(
                PAGES / "word2vec.py", title="Word2vec", icon=":material/hub:", url_path="word2vec"
            ),
            st.Page(
                PAGES / "compare.py",
                title="Compare",
                icon=":material/leaderboard:",
                url_path="compare",
            ),
            st.Page(
                PAGES / "contest.py",
                title="Contest",
                icon=":material/trophy:",
                url_path="contest",
            ),
        ],
        "Learn": [
            st.Page(
                PAGES / "tensors.py", title="Tensors", icon=":material/grid_on:", url_path="tensors"
            ),
            st.Page(
                PAGES / "perceptron.py",
                title="Perceptron",
                icon=":material/show_chart:",
                url_path="perceptron",
            ),
        ],
    }
).run()
