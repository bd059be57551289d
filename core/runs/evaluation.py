"""What every task's evaluation hands the run store, whatever the task measures.

The metrics are task-specific (accuracy, perplexity, word-boundary F1, Recall@k); the true
and predicted values per test item are what paired tests between two runs compare.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Evaluation:
    """Test metrics, each test item's true and predicted value, and milliseconds per item."""

    metrics: dict
    y_true: np.ndarray
    y_pred: np.ndarray
    predict_ms: float
