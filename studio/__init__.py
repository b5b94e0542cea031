"""The Streamlit side, one package per page (home, translate, step, inside, train, models, lesson), each
with its view (`show()`, which the page script calls), its chart builders and its caches; `shared`
holds what several pages use. Chart builders are pure functions from data to Altair charts; `notebook` draws
them outside the app. Importing studio imports no Streamlit and changes no other library."""
