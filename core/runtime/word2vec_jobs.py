"""Word2vec trained and evaluated as a job: in a child process, or in hosted mode in the model
worker, behind the same queue as every other training.

The app sends only the corpus's name (an upload is stored under one, core/data/corpora.py), so
the job reads the corpus itself; it reports its phase and each epoch's loss as events, stops
between epochs on request, and sends the trained vectors back as one event for the page's
explorer. Those events are pickled between seqlab's own processes, never anything a user
supplied; their size is the vocabulary times vector_size floats, which hosted mode bounds.
"""

from core.data.corpora import load_corpus
from core.errors import TrainingStopped, UserFacingError
from core.models.word2vec import TrainedWord2Vec, Word2VecConfig, train_word2vec
from core.models.word_vectors import Evaluation, evaluate
from core.progress import TrainingObserver
from core.runtime.jobs import ChildJob

READING = "reading the corpus and building the vocabulary"
EVALUATING = "evaluating on the word-similarity and analogy benchmarks"


class _EpochEvents(TrainingObserver):
    """In the job: each epoch becomes an event; the stop flag is read between epochs."""

    def __init__(self, events, stop) -> None:
        self.events, self.stop = events, stop

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.events.put(("phase", "training"))

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.events.put(("epoch", logs))

    def should_stop(self) -> bool:
        return self.stop.is_set()


def train_and_evaluate(corpus_name: str, config: Word2VecConfig, events, stop) -> None:
    """The job: read the corpus, train, send the vectors, then their benchmark scores."""
    try:
        events.put(("phase", READING))
        trained = train_word2vec(load_corpus(corpus_name), config, _EpochEvents(events, stop))
        events.put(("trained", trained))
        events.put(("phase", EVALUATING))
        events.put(("evaluated", evaluate(trained.vectors)))
    except (UserFacingError, TrainingStopped) as error:
        events.put(("failed", str(error)))
    except Exception as error:  # shown to the user as a message, not a traceback
        events.put(("failed", f"{type(error).__name__}: {error}"))
    events.put(("job-end",))


class Word2VecJob(ChildJob):
    """One word2vec training as the page sees it: its phase and loss history while it runs,
    then the trained vectors (`result`), their `evaluation`, or the `error` that ended it."""

    def __init__(
        self,
        corpus_name: str,
        config: Word2VecConfig,
        worker=None,
        *,
        visitor: str | None = None,
    ) -> None:
        """`worker`: the model worker to train in (None: a child process of its own);
        `visitor`: the hosted-mode browser session it belongs to."""
        self.corpus_name, self.config = corpus_name, config
        self.phase = "starting"
        self.history: list[dict] = []
        self.result: TrainedWord2Vec | None = None
        self.evaluation: Evaluation | None = None
        self.error: str | None = None
        super().__init__(
            train_and_evaluate,
            (corpus_name, config),
            name="seqlab-word2vec",
            worker=worker,
            visitor=visitor,
        )

    def cancel(self, message: str) -> None:
        """End a job that was never started (taken out of the queue)."""
        self.error, self.phase = message, "done"
        self._cancelled = True

    def _apply(self, event: tuple) -> None:
        kind = event[0]
        if kind == "phase":
            self.phase = event[1]
        elif kind == "epoch":
            self.history.append(event[1])
        elif kind == "trained":
            self.result = event[1]
        elif kind == "evaluated":
            self.evaluation = event[1]
        elif kind == "failed":
            self.error = self._with_reason(event[1])

    def _mark_lost(self, exit_code: int | None) -> None:
        self.error = (
            f"The training process ended unexpectedly (exit code {exit_code}); it may have run "
            "out of memory. Try a smaller vector_size or a higher min_count."
        )

    def _mark_ended(self, message: str) -> None:
        self.error = message
