"""The Streamlit side: pages render what `seq2seq` returns; chart builders are pure functions."""
from studio import altair_speed  # noqa: F401  (every chart builder benefits; see its docstring)
