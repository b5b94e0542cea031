"""The sentence a page starts with: an everyday one for translation models, a typical input for toys;
and the letters the vanishing-gradient models (Inside page, Lesson) reverse by default."""
from __future__ import annotations

from seq2seq.service import ModelInfo

EVERYDAY = {
    "en": "I am very happy to see you.",
    "fr": "Je suis très content de te voir.",
    "de": "Ich freue mich sehr, dich zu sehen.",
}
# 29 letters: nearly the 30 the grad-* models were trained on, so the longest distances show.
GRADIENT_INPUT = "thequickbrownfoxjumpsoverlazy"
TOY_INPUTS = {"dates": "March 5, 1987", "reverse": "streamlit", "copy": "encoder", "sort": "decoder", "add": "123+456"}


def example_sentence(info: ModelInfo) -> str:
    if info.task == "toy":
        return TOY_INPUTS.get(info.direction, "hello")
    source_language = info.direction.split("→")[0]
    return EVERYDAY.get(source_language, EVERYDAY["en"])
