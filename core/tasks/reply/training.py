"""How repliers train on message -> reply pairs and are evaluated in 1-of-10.

The task `reply` (core/data/replies.py): every replier of a dataset and seed learns from the
same training pairs, is scored on the same held-out messages and the same ten candidates
each (core/tasks/reply/evaluation.py), and is recorded in the run store like a classifier, with
its rank-1 choices kept for McNemar's test.
"""

from core.data.replies import ReplyData, load_reply_data
from core.progress import TrainingObserver
from core.runs.evaluation import Evaluation
from core.tasks.reply.evaluation import evaluate_replier
from core.tasks.training import TrainingPath


def _fit(model, data: ReplyData, observer: TrainingObserver) -> None:
    messages, replies = data.part(data.split.train)
    model.fit(
        messages, replies, validation_data=data.part(data.split.validation), observer=observer
    )


def _evaluate(model, data: ReplyData, seed: int) -> Evaluation:
    return evaluate_replier(model, *data.part(data.split.test), seed=seed)


REPLYING = TrainingPath(load_reply_data, _fit, _evaluate)
