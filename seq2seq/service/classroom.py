"""Classroom mode for the app: whether teacher actions need the passphrase, and the check itself
(seq2seq.training.teacher: constant-time comparison, wrong guesses slowed down)."""
from __future__ import annotations

from seq2seq.training.teacher import TeacherGate, classroom_gate

__all__ = ["TeacherGate", "classroom_gate"]
