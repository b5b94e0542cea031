"""Command line: python -m seq2seq {train,translate,evaluate,trace,export} --help."""
from seq2seq.cli.main import main

__all__ = ["main"]
