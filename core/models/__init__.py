"""Models that share one protocol (see `base.Classifier`)."""
