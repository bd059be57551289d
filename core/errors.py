"""Exceptions whose message is meant for the user: the UI and CLI show them as they are."""


class UserFacingError(ValueError):
    """Something the user can fix or needs to know; its message says what and how."""


class DatasetUnavailable(UserFacingError):
    """A dataset cannot be loaded here (not cached, no network); the message says how to get it."""


class InvalidConfig(UserFacingError):
    """A hyperparameter or command-line setting is out of range or of the wrong type."""


class TrainingStopped(Exception):
    """Raised by a model's `fit` when a stop was requested before any training step ran."""
