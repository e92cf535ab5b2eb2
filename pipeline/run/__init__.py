"""Running the pipeline: one file, batches, Prefect flows, the inbox service, the cache, evaluation."""
