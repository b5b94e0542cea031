"""Decoding: one free-running loop (greedy, sampling), beam search, teacher-forced scoring, traces of every step."""
