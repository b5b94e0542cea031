"""Text in: parallel pairs and deterministic splits, corpora and downloads, toy tasks, tokenizers, uploads, batches."""
