"""Hidden-state paths in 2-D, word-swap counterfactuals, neurons and gates, nearest training states, attention vs none.

The page is drawn by studio/views/inside.py.
"""
from studio.views import inside

inside.show()
