"""The Streamlit side, one package per page (home, translate, step, inside, train, models, lesson), each
with its view (`show()`, which the page script calls), its chart builders and its caches; `shared`
holds what several pages use. Chart builders are pure functions from data to Altair charts."""
from studio.shared import altair_speed  # noqa: F401  (every chart builder benefits; see its docstring)
