"""Hyperparameters that several models share, each declared once with its help and bounds.

A model's config takes one with a default of its own (`units: int = UNITS.field(128)`); the
dashboard's forms, the share link and the CLI's `--set` all read the declaration through
`core.configs.settings_of`, so a bound is changed in one place.
"""

from core.configs import Setting

VOCABULARY_SIZE = Setting(
    "Most frequent training tokens kept; the rest share one unknown token.",
    minimum=10,
    maximum=1_000_000,
)
