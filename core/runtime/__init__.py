"""Where work runs: background jobs, the training queue, the hosted model worker, caches, memory."""
