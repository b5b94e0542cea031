"""Training: the trainer, presets and recipes, distributed data parallelism, background runs and their events."""
