"""Hidden-state paths in 2-D, word-swap counterfactuals, neurons and gates, nearest training states, attention vs none.

The page is drawn by studio/inside/.
"""
from studio import inside

inside.show()
