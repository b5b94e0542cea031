"""The service layer: the one door through which the app reaches the engine.

Models (list, find, load, summarise, evaluate), traces (translate, trace, teacher-force, check a
forced prefix), analyses (reference states and their projections, units, neighbours, counterfactuals,
scores by length) and, in `service.runs`, training runs. Everything comes back as plain data:
dataclasses, lists, dicts, numpy arrays and DataFrames, never a module the caller must reach into.
"""
from seq2seq.service import classroom  # noqa: F401  (service.classroom: the teacher passphrase)
from seq2seq.service import experiments  # noqa: F401  (service.experiments: sweeps, overlays, lengths)
from seq2seq.service import runs  # noqa: F401  (service.runs: the Train page's door)
from seq2seq.service.analyses import *  # noqa: F401,F403
from seq2seq.service.explain import *  # noqa: F401,F403
from seq2seq.service.models import *  # noqa: F401,F403
from seq2seq.service.traces import *  # noqa: F401,F403
