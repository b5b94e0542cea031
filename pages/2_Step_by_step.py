"""Step through decoding piece by piece: candidates, attention, beam tree, equations with live values, what-if.

The page is drawn by studio/views/step.py.
"""
from studio.views import step

step.show()
