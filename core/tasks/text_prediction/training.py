"""How language models train on a corpus and are evaluated on its held-out documents.

The task `text-prediction`: a corpus (core/data/corpora.py) is tokenised (core/data/vocabulary.py),
split by whole document with the seed, and given one Vocabulary built from the training documents.
Every model on that corpus and seed gets the same split and vocabulary, so their perplexities, top-k
accuracies and keystroke savings (core/tasks/text_prediction/evaluation.py) compare, and their top-1
guesses pair up for McNemar's test like classifiers' predictions do.

The character LSTM, which does not follow the word-level LanguageModel protocol, takes the
same split as raw texts (each document as the corpus holds it) and is evaluated on the same
positions and words by `evaluate_character_model`.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.data.corpora import load_corpus
from core.data.splits import Split
from core.data.vocabulary import Vocabulary, split_by_document, word_tokens
from core.models.language_models import LanguageModel
from core.progress import TrainingObserver
from core.runs.evaluation import Evaluation
from core.tasks.text_prediction.evaluation import evaluate_character_model, evaluate_language_model
from core.tasks.training import TrainingPath

VOCABULARY_SIZE = 10_000  # including <unk>, <s>, </s>
VOCABULARY_MIN_COUNT = 2  # a word seen once in training is <unk>: that is how <unk> is learnt


@dataclass(frozen=True)
class PreparedCorpus:
    """A corpus as every language model on it sees it: tokens per document, split, vocabulary."""

    name: str
    tokens: tuple[tuple[str, ...], ...]
    split: Split
    vocabulary: Vocabulary

    def part(self, indices: np.ndarray) -> list[list[str]]:
        return [list(self.tokens[index]) for index in indices]

    def ids(self, indices: np.ndarray) -> list[np.ndarray]:
        return [self.vocabulary.encode(self.tokens[index]) for index in indices]

    def texts(self, indices: np.ndarray) -> list[str]:
        """The documents as the corpus holds them (load_corpus is memoised), for models that
        read characters."""
        return [load_corpus(self.name).documents[index] for index in indices]

    def describe(self) -> dict:
        """What the run store records: the split, plus the vocabulary every model shares."""
        return {
            **self.split.describe(),
            "vocabulary_size": len(self.vocabulary),
            "vocabulary_min_count": VOCABULARY_MIN_COUNT,
        }


def _fit(model, prepared: PreparedCorpus, observer: TrainingObserver) -> None:
    """Word models learn from the shared vocabulary's ids; the character LSTM from raw texts."""
    split = prepared.split
    if isinstance(model, LanguageModel):
        model.fit(
            prepared.ids(split.train),
            prepared.vocabulary,
            validation_documents=prepared.ids(split.validation),
            observer=observer,
        )
    else:
        model.fit(
            prepared.texts(split.train),
            validation_texts=prepared.texts(split.validation),
            observer=observer,
        )


def _evaluate(model, prepared: PreparedCorpus, seed: int) -> Evaluation:
    test = prepared.split.test
    if isinstance(model, LanguageModel):
        return evaluate_language_model(model, prepared.vocabulary, prepared.part(test), seed)
    return evaluate_character_model(
        model, prepared.vocabulary, prepared.part(test), prepared.texts(test), seed
    )


# Bounded: one per corpus and seed, and a hosted app must not keep every visitor's.
@lru_cache(maxsize=4)
def prepare_corpus(name: str, seed: int) -> PreparedCorpus:
    """Tokenise, split by document and build the shared vocabulary (memoised per process)."""
    tokens = tuple(tuple(word_tokens(document)) for document in load_corpus(name).documents)
    split = split_by_document(tokens, seed)
    train_tokens = [token for index in split.train for token in tokens[index]]
    vocabulary = Vocabulary.from_tokens(
        train_tokens, max_size=VOCABULARY_SIZE, min_count=VOCABULARY_MIN_COUNT
    )
    return PreparedCorpus(name, tokens, split, vocabulary)


LANGUAGE_MODELLING = TrainingPath(prepare_corpus, _fit, _evaluate)
