"""Hyperparameters that several models share, each declared once with its help and bounds.

A model's config takes one with a default of its own (`units: int = UNITS.field(128)`); the
dashboard's forms, the share link and the CLI's `--set` all read the declaration through
`core.configs.settings_of`, so a bound is changed in one place.
"""

from core.configs import SearchRange, Setting

VOCABULARY_SIZE = Setting(
    "Most frequent training tokens kept; the rest share one unknown token.",
    minimum=10,
    maximum=1_000_000,
    hosted_maximum=50_000,
)
EMBEDDING_DIM = Setting(
    "Size of each token's vector.",
    minimum=2,
    maximum=1024,
    hosted_maximum=256,
    search=SearchRange(32, 256, log=True),
)
UNITS = Setting(
    "Hidden units per recurrent layer (and direction).",
    minimum=1,
    maximum=2048,
    hosted_maximum=256,
    search=SearchRange(32, 256, log=True),
)
LAYERS = Setting(
    "Stacked recurrent layers.", minimum=1, maximum=8, hosted_maximum=3, search=SearchRange(1, 2)
)
DROPOUT = Setting(
    "Share of outputs dropped in training, after the embedding (where there is one) and after "
    "each recurrent layer.",
    minimum=0.0,
    maximum=0.9,
    search=SearchRange(0.0, 0.5),
)
BIDIRECTIONAL = Setting("Also read each sequence from its end to its start.")
CELL = Setting("Recurrent cell type.", choices=("lstm", "gru"))
EMBEDDINGS = Setting(
    "random: learned from scratch; word2vec-*: initialised from word2vec trained on the "
    "training texts, then kept frozen or fine-tuned.",
    choices=("random", "word2vec-frozen", "word2vec-fine-tuned"),
    search=SearchRange(choices=("random", "word2vec-frozen", "word2vec-fine-tuned")),
)
# The text classifiers' embeddings may also start from the unlabelled corpora
# (core/models/recurrent/word2vec_starts.py); the word LSTM's may not: its corpora are those.
CORPUS_STARTS = ("corpus-word2vec-frozen", "corpus-word2vec-fine-tuned")
CLASSIFIER_EMBEDDINGS = Setting(
    "random: learned from scratch; word2vec-*: initialised from word2vec trained on the "
    "training texts; corpus-word2vec-*: from word2vec trained on seqlab's unlabelled corpora "
    "(news, Wikipedia, Hamlet, movie dialogs), then on the training texts; then kept frozen "
    "or fine-tuned.",
    choices=(*EMBEDDINGS.choices, *CORPUS_STARTS),
    search=SearchRange(choices=(*EMBEDDINGS.choices, *CORPUS_STARTS)),
)
