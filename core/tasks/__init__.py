"""One package a task: how a run of it is prepared, trained, scored and recorded.

`core.tasks.registry` says which training path each task takes; `core.tasks.training` is the
one path every run goes through."""
