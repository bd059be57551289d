"""Which models exist for which task: pages and the CLI enumerate this instead of hard-coding.

Each entry ties a (task, model name) to a typed config class, the estimator class, and the
settings the name fixes (`lstm` is the recurrent classifier with `cell="lstm"`).
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from core.configs import with_overrides
from core.errors import InvalidConfig
from core.models.baselines.logistic_regression import LogisticRegressionClassifier
from core.models.baselines.majority import MajoritySequenceClassifier, MajorityTextClassifier
from core.models.baselines.nbsvm import TfidfNbsvm
from core.models.baselines.ngram import KneserNeyLanguageModel
from core.models.baselines.tfidf_classifiers import TfidfLogisticRegression, TfidfNearestNeighbours
from core.models.baselines.tfidf_retrieval import TfidfRetrieval
from core.models.baselines.tfidf_svm import TfidfSvm
from core.models.baselines.window_tagger import WindowTagger
from core.models.feedforward.mlp import MlpSequenceClassifier, MlpTextClassifier
from core.models.feedforward.row_cnn import RowCnnClassifier
from core.models.feedforward.text_cnn import TextCnnClassifier
from core.models.perceptron import PerceptronRegressor
from core.models.recurrent.char_lstm import CharLstmLanguageModel
from core.models.recurrent.dual_encoder import DualEncoder
from core.models.recurrent.seq2seq import Seq2Seq
from core.models.recurrent.sequence_classifier import RecurrentClassifier
from core.models.recurrent.tagger import RecurrentTagger
from core.models.recurrent.text_classifier import RecurrentTextClassifier
from core.models.recurrent.word_lstm import WordLstmLanguageModel
from core.task_names import (
    REGRESSION,
    REPLY,
    SEQUENCE_CLASSIFICATION,
    SEQUENCE_LABELLING,
    TASKS,
    TEXT_CLASSIFICATION,
    TEXT_PREDICTION,
)


@dataclass(frozen=True)
class ModelSpec:
    task: str
    name: str
    title: str
    family: Literal["baseline", "neural"]
    description: str
    estimator_class: type  # follows the protocol of core/models/classifiers.py
    fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def config_class(self) -> type:
        return self.estimator_class.config_class

    def default_config(self) -> Any:
        return self.config_class(**self.fixed)

    def config_with(self, overrides: dict[str, Any]) -> Any:
        """The default config with user overrides applied and validated."""
        return with_overrides(self.default_config(), overrides, frozen=frozenset(self.fixed))

    def config_from_dict(self, values: dict[str, Any]) -> Any:
        """Rebuild a stored config (as saved with a run), ignoring nothing and adding nothing."""
        names = {item.name for item in dataclasses.fields(self.config_class)}
        return self.config_class(**{key: value for key, value in values.items() if key in names})

    def build(self, config: Any, seed: int):
        return self.estimator_class(config, random_state=seed)


def _recurrent(name: str, title: str, description: str) -> ModelSpec:
    return ModelSpec(
        SEQUENCE_CLASSIFICATION,
        name,
        title,
        "neural",
        description,
        RecurrentClassifier,
        fixed={"cell": name},
    )


def _text_recurrent(name: str, title: str, description: str, **fixed) -> ModelSpec:
    return ModelSpec(
        TEXT_CLASSIFICATION,
        name,
        title,
        "neural",
        description,
        RecurrentTextClassifier,
        fixed=fixed,
    )


MODELS: dict[tuple[str, str], ModelSpec] = {
    (spec.task, spec.name): spec
    for spec in (
        ModelSpec(
            SEQUENCE_CLASSIFICATION,
            "logreg",
            "Logistic regression",
            "baseline",
            "Multinomial logistic regression on the flattened pixels: the simple solution.",
            LogisticRegressionClassifier,
        ),
        ModelSpec(
            SEQUENCE_CLASSIFICATION,
            "mlp",
            "Multilayer perceptron",
            "neural",
            "Dense ReLU layers on the flattened pixels: deeper than logistic regression, as "
            "blind to the order of rows.",
            MlpSequenceClassifier,
        ),
        ModelSpec(
            SEQUENCE_CLASSIFICATION,
            "cnn",
            "Convolutional network",
            "neural",
            "Convolutions 3, 4 and 5 rows tall down the image, each filter's strongest match "
            "kept (Kim 2014).",
            RowCnnClassifier,
        ),
        _recurrent("rnn", "SimpleRNN", "A plain (Elman) recurrent network over the rows."),
        _recurrent("lstm", "LSTM", "Long short-term memory cells over the rows."),
        _recurrent("gru", "GRU", "Gated recurrent units over the rows."),
        ModelSpec(
            TEXT_CLASSIFICATION,
            "tfidf-logreg",
            "TF-IDF + logistic regression",
            "baseline",
            "Logistic regression on TF-IDF word and character n-grams: the simple solution a "
            "neural model has to beat.",
            TfidfLogisticRegression,
        ),
        ModelSpec(
            TEXT_CLASSIFICATION,
            "tfidf-knn",
            "TF-IDF nearest neighbours",
            "baseline",
            "The k most similar training texts by TF-IDF cosine similarity vote: is text "
            "similarity all you need?",
            TfidfNearestNeighbours,
        ),
        ModelSpec(
            TEXT_CLASSIFICATION,
            "tfidf-nbsvm",
            "NBSVM (NB-weighted logistic regression)",
            "baseline",
            "Word and character n-grams weighted by their Naive Bayes log-count ratio, then "
            "logistic regression (Wang & Manning 2012): the classic strong sentiment baseline.",
            TfidfNbsvm,
        ),
        ModelSpec(
            TEXT_CLASSIFICATION,
            "tfidf-svm",
            "TF-IDF + linear SVM",
            "baseline",
            "A linear SVM on TF-IDF word and character n-grams; its probabilities are a softmax "
            "of the SVM's margins, not calibrated.",
            TfidfSvm,
        ),
        ModelSpec(
            TEXT_CLASSIFICATION,
            "majority",
            "Majority class",
            "baseline",
            "Always answers the most frequent training label: the floor every model must clear.",
            MajorityTextClassifier,
        ),
        ModelSpec(
            SEQUENCE_CLASSIFICATION,
            "majority",
            "Majority class",
            "baseline",
            "Always answers the most frequent training label: the floor every model must clear.",
            MajoritySequenceClassifier,
        ),
        ModelSpec(
            TEXT_CLASSIFICATION,
            "mlp",
            "Multilayer perceptron",
            "neural",
            "Dense ReLU layers on TF-IDF word and character n-grams: deeper than logistic "
            "regression, as blind to word order.",
            MlpTextClassifier,
        ),
        _text_recurrent(
            "lstm",
            "LSTM",
            "Word embeddings read by an LSTM; the saved model takes raw text.",
            cell="lstm",
            bidirectional=False,
        ),
        _text_recurrent(
            "gru",
            "GRU",
            "Word embeddings read by a GRU; the saved model takes raw text.",
            cell="gru",
            bidirectional=False,
        ),
        _text_recurrent(
            "bilstm",
            "Bidirectional LSTM",
            "Word embeddings read by LSTMs in both directions.",
            cell="lstm",
            bidirectional=True,
        ),
        ModelSpec(
            TEXT_CLASSIFICATION,
            "cnn",
            "Convolutional network",
            "neural",
            "Convolutions of 3, 4 and 5 words over word embeddings, each filter's strongest match "
            "kept (Kim 2014); the saved model takes raw text.",
            TextCnnClassifier,
        ),
        ModelSpec(
            TEXT_PREDICTION,
            "ngram",
            "Kneser-Ney n-gram",
            "baseline",
            "Word n-gram counts with interpolated Kneser-Ney smoothing, backing off to shorter "
            "contexts: the classic language model.",
            KneserNeyLanguageModel,
        ),
        ModelSpec(
            TEXT_PREDICTION,
            "word-lstm",
            "Word LSTM",
            "neural",
            "An LSTM (or GRU) over word embeddings predicting the next word at every step, with "
            "one softmax shared across steps.",
            WordLstmLanguageModel,
        ),
        ModelSpec(
            TEXT_PREDICTION,
            "char-lstm",
            "Character LSTM",
            "neural",
            "An LSTM that reads characters and completes words by beam search; compared by bits "
            "per character and keystroke savings, not word perplexity.",
            CharLstmLanguageModel,
        ),
        ModelSpec(
            SEQUENCE_LABELLING,
            "logreg-window",
            "Window logistic regression",
            "baseline",
            "Logistic regression on the tokens a few places either side of each position, and "
            "the n-grams they form: the simple tagger.",
            WindowTagger,
        ),
        ModelSpec(
            SEQUENCE_LABELLING,
            "bilstm",
            "Bidirectional LSTM tagger",
            "neural",
            "LSTMs read each sentence in both directions; a softmax over the tags at every step. "
            "In word segmentation each character also sees which training words start and end "
            "there.",
            RecurrentTagger,
            fixed={"cell": "lstm"},
        ),
        ModelSpec(
            SEQUENCE_LABELLING,
            "gru",
            "Bidirectional GRU tagger",
            "neural",
            "GRUs read each sentence in both directions; a softmax over the tags at every step. "
            "In word segmentation each character also sees which training words start and end "
            "there.",
            RecurrentTagger,
            fixed={"cell": "gru"},
        ),
        ModelSpec(
            REPLY,
            "tfidf-retrieval",
            "TF-IDF retrieval",
            "baseline",
            "Answers with the reply of the most similar training message by TF-IDF cosine "
            "similarity; ranks candidates by their similarity to the message.",
            TfidfRetrieval,
        ),
        ModelSpec(
            REPLY,
            "dual-encoder",
            "LSTM dual encoder",
            "neural",
            "One LSTM encodes the message and each reply; a learned matrix rates the pair "
            "(Lowe et al. 2015). Answers with the best of its training replies.",
            DualEncoder,
        ),
        ModelSpec(
            REPLY,
            "seq2seq",
            "LSTM encoder-decoder",
            "neural",
            "An LSTM reads the message and another writes the reply word by word; ranks "
            "candidates by their mean log-probability given the message.",
            Seq2Seq,
        ),
        ModelSpec(
            REGRESSION,
            "perceptron",
            "Perceptron",
            "neural",
            "y = Wx + b fitted by gradient descent, beside the closed-form least-squares answer.",
            PerceptronRegressor,
        ),
    )
}


def models_for(task: str) -> list[ModelSpec]:
    """The models a task offers, baselines first."""
    return sorted(
        (spec for spec in MODELS.values() if spec.task == task),
        key=lambda spec: spec.family != "baseline",
    )


def model_spec(task: str, name: str) -> ModelSpec:
    if task not in TASKS:
        raise InvalidConfig(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    try:
        return MODELS[(task, name)]
    except KeyError:
        names = ", ".join(spec.name for spec in models_for(task))
        raise InvalidConfig(f"Unknown model {name!r} for {task}; choose one of {names}.") from None
