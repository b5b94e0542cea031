"""Training: the trainer and its schedule, validation, checkpoints kept on disk, presets and recipes, distributed
data parallelism. Runs in the background, their events and sweeps are seq2seq.jobs's."""
