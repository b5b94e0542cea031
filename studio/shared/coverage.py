"""What the model has seen of the typed sentence, under every translation: the words its training data
never or rarely contains (with their counts), the byte pieces the tokenizer fell back to, and a hint when
the input looks like the output language. Counting the training data takes a few seconds once per data
setting (then it is read from the user cache); every later sentence is a lookup."""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from seq2seq.errors import UserError
from seq2seq.service import Coverage, ModelInfo, WordCounts, WordSeen
from studio.shared import glossary
from studio.shared.selection import Selection, cached_translator
from studio.shared.text import escape_markdown

# Enough of a list to act on; the rest is counted, not named.
MAX_NAMED = 8
# The corpora's language codes, as a student reads them.
LANGUAGES = {"en": "English", "fr": "French", "de": "German"}


@st.cache_resource(show_spinner="Counting the words of this model's training data (once)…", max_entries=20)
def training_words(path: str, version: float) -> WordCounts | str | None:
    """The model's training-word counts; the message naming what is missing when its data is not on this
    machine; None for a model that reads characters."""
    try:
        return service.training_words(cached_translator(path, version))
    except UserError as err:
        return str(err)


def _word(seen: WordSeen) -> str:
    sentences = "never" if seen.count == 0 else f"in {seen.count:,} sentence{'s' if seen.count != 1 else ''}"
    return f"**{escape_markdown(seen.word)}** ({sentences})"


def _named(found: list[WordSeen]) -> str:
    shown = ", ".join(_word(w) for w in found[:MAX_NAMED])
    return shown + (f" and {len(found) - MAX_NAMED} more" if len(found) > MAX_NAMED else "")


def words_text(found: Coverage, data: str) -> str | None:
    """The unseen and rare words with their counts and what that means; None when every word is common."""
    # Under the output-language hint, the output-language words are explained already.
    flagged = [w for w in found.unseen + found.rare if not (found.looks_like_output and w in found.output_side)]
    if not flagged:
        return None
    never, rarely = any(w.count == 0 for w in flagged), any(w.count > 0 for w in flagged)
    ever = "never or rarely" if never and rarely else ("never" if never else "rarely")
    return (f"**Words this model {ever} saw in training**: {_named(flagged)}. Its training data "
            f"({escape_markdown(data)}) has {found.sentences:,} sentences, and a model learns a word only from those "
            "that contain it: with none or only a few, the translation may be fluent and still mean something "
            f"else. {glossary.link('seen_words')}")


def bytes_text(found: Coverage) -> str | None:
    if not found.byte_pieces:
        return None
    spelled = ", ".join(f"{escape_markdown(' '.join(run.pieces))} = “{escape_markdown(run.text) or ' '}”"
                        for run in found.byte_pieces[:MAX_NAMED])
    return (f"**Spelled as bytes**: {spelled}. The model's vocabulary has no piece for these characters, so the "
            "tokenizer wrote their bytes; the model learnt little about what byte pieces stand for, and numbers "
            f"or symbols spelled this way often come out wrong. {glossary.link('byte_piece')}")


def language_text(found: Coverage, src_lang: str, tgt_lang: str) -> str | None:
    if not found.looks_like_output:
        return None
    source, target = (escape_markdown(LANGUAGES.get(code, code)) for code in (src_lang, tgt_lang))
    examples = ", ".join(f"**{escape_markdown(w.word)}**" for w in found.output_side[:4])
    return (f"**This looks like {target}**, the language this model writes: {examples} occur in its training data "
            f"on the {target} side only (or nearly). It translates {source} → {target}: type {source} to see "
            "what it learnt.")


def notes(selection: Selection, text: str) -> None:
    """Everything worth saying about what the selected model has seen of `text`; nothing when all is well."""
    notes_for(selection.model, text)


def notes_for(info: ModelInfo, text: str) -> None:
    """The same for any model (the Lesson follows its sentence through shipped models of its own)."""
    counts = training_words(str(info.path), info.version)
    if counts is None:
        return
    if isinstance(counts, str):
        st.caption("Which of these words the model saw in training cannot be counted: its training data is not on "
                   f"this machine ({escape_markdown(counts)})")
        return
    translator = cached_translator(str(info.path), info.version)
    found = service.input_coverage(translator, counts, text)
    train = service.summary(translator).train
    for message in (language_text(found, train.src_lang, train.tgt_lang), words_text(found, counts.data)):
        if message:
            st.warning(message, icon=":material/visibility_off:")
    if (message := bytes_text(found)) is not None:
        st.info(message, icon=":material/data_array:")
