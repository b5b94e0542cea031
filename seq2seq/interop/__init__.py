"""Models trained by other toolkits, opened as our checkpoints (today: Joey NMT 2.3's RNN models).

Nothing here imports the other toolkit: its files are read as data (YAML, vocabulary lines, and a torch
checkpoint loaded with weights_only=True, which unpickles tensors and plain containers only).
"""
