"""Does the neural model earn its cost: the verdict over stored runs, and learning curves."""
