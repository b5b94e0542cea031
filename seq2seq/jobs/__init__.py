"""Training runs as background jobs of the app: launched as separate processes, followed through their
JSON-lines events and an atomically replaced status file, stopped, resumed, queued in sweeps."""
