"""The service layer: the one door through which the app reaches the engine.

Models (list, find, load, summarise, the Models page's table and zips), evaluations, traces (trace,
teacher-force, check a forced prefix), analyses (reference states and their projections, units,
neighbours, counterfactuals, scores by length), explanations (attribution, gradients, pattern search)
and, in `service.runs` and `service.experiments`, training runs and sweeps. Everything comes back as
plain data: dataclasses, lists, dicts, numpy arrays and DataFrames, never a module the caller must
reach into. A function is written here only where it adds something (composes engine calls, turns
results into plain data, checks input); an engine function the app calls as it is, is re-exported.
"""
from seq2seq.nn import notation  # noqa: F401  (service.notation: the design's equations, for the step page and lesson)
from seq2seq.service import experiments  # noqa: F401  (service.experiments: sweeps, overlays, lengths)
from seq2seq.service import runs  # noqa: F401  (service.runs: the Train page's door)
from seq2seq.service.analyses import *  # noqa: F401,F403
from seq2seq.service.evaluation import *  # noqa: F401,F403
from seq2seq.service.explain import *  # noqa: F401,F403
from seq2seq.service.models import *  # noqa: F401,F403
from seq2seq.service.traces import *  # noqa: F401,F403
from seq2seq.service.walkthrough import *  # noqa: F401,F403
# Classroom mode: whether teacher actions need the passphrase, and the constant-time check itself.
from seq2seq.service.passphrase import classroom_gate  # noqa: F401
