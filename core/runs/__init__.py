"""The run store and what a stored run carries: schema, artifacts, metrics, evaluations, logs."""
