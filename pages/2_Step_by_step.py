"""Step through decoding piece by piece: candidates, attention, beam tree, equations with live values, what-if.

The page is drawn by studio/step/.
"""
from studio import step

step.show()
