"""The Models page: every checkpoint in one table; score one on its test split, compare two, download
or delete one. Scores use the sidebar's decoding settings and say so; per-sentence results sort by
sentence BLEU so that the worst translations, the ones worth a look, come first.
"""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from seq2seq.config import DecodeConfig
from seq2seq.service import runs
from studio.shared import classroom, glossary
from studio.shared.messages import user_errors
from studio.shared.page import start
from studio.shared.render import MAX_CHARS, MAX_LINES
from studio.shared.selection import cached_translator
from studio.shared.text import escape_markdown, sentences


def show() -> None:
    selection = start("Models", "📦")
    decode = selection.decode if selection else DecodeConfig()
    current = selection.model.name if selection else None
    st.title("Models")
    models = service.list_models()
    if not models:
        st.info("No checkpoint yet: train one on the Train page.")
        return
    table = service.models_table(models)
    st.dataframe(table, hide_index=True, column_order=scores_first(list(table.columns)),
                 column_config={"model": st.column_config.TextColumn(pinned=True),
                                "parameters": st.column_config.NumberColumn(format="localized"),
                                "size on disk": st.column_config.NumberColumn(format="bytes"),
                                "AER % (gold trial)": st.column_config.NumberColumn(
                                    help="Alignment error rate (0-100, lower is better) of the model's attention read "
                                         "as word links, against human word alignments of 37 English-French "
                                         "sentence pairs. A diagonal line scores 59.9."),
                                "% attention on </s>": st.column_config.NumberColumn(
                                    help="Mean share (0-100) of each step's attention that lands on the "
                                         "source end-of-sentence symbol instead of a word.")})
    evaluate_panel, compare_panel, files_panel = st.tabs(["Evaluate", "Compare two models", "Download or delete"])
    with evaluate_panel:
        evaluate_tab(models, current, decode)
    with compare_panel:
        compare_tab(models, current, decode)
    with files_panel:
        files_tab(models, current)


# What a reader compares first, beside the model's name: at 1,400 px the scores were past the right edge,
# behind twelve columns of architecture.
SCORES = ("test BLEU", "test chrF", "test exact match", "best valid", "AER % (gold trial)", "% attention on </s>")


def scores_first(columns: list[str]) -> list[str]:
    """The table's columns with the scores right after the model's name, the rest in their order."""
    scores = [c for c in SCORES if c in columns]
    return [*columns[:1], *scores, *(c for c in columns[1:] if c not in scores)]


def pick(label: str, models: list[service.ModelInfo], key: str, current: str | None,
         default: int = 0) -> service.ModelInfo:
    names = [m.name for m in models]
    if current in names and default == 0:
        default = names.index(current)
    name = st.selectbox(label, names, index=min(default, len(names) - 1), key=key)
    return models[names.index(name)]


def evaluate(info: service.ModelInfo, decode: DecodeConfig, sources: list[str], refs: list[list[str]],
             label: str) -> service.Evaluation:
    translator = cached_translator(str(info.path), info.version)
    bar = st.progress(0.0, text=f"Translating with {label}…")
    result = service.evaluate(translator, decode, sources, refs, toy=info.task == "toy",
                              progress=lambda f: bar.progress(f, text=f"{label}: {f:.0%}"))
    bar.empty()
    return result


def score_line(name: str, result: service.Evaluation, decoding: str) -> str:
    scores = result.scores
    parts = [f"exact match {scores['exact_match']:.1%}"]
    if "bleu" in scores:
        parts = [f"BLEU {scores['bleu']:.1f}", f"chrF {scores['chrf']:.1f}", *parts]
    return f"{name}: " + " · ".join(parts) + f" on {scores['sentences']} test sentences ({decoding})"


def evaluate_tab(models: list[service.ModelInfo], current: str | None, decode: DecodeConfig) -> None:
    info = pick("Model", models, "models_eval_model", current)
    count = st.number_input("Test sentences (0 = the whole split)", 0, 20000, 200, 100, key="models_eval_n")
    if st.button("Evaluate on its test split", type="primary"):
        with user_errors():
            sources, refs = service.test_set(info, count)
            st.session_state["models_eval"] = (info.name, decode.describe(),
                                               evaluate(info, decode, sources, refs, info.name))
    name, decoding, result = st.session_state.get("models_eval", (None, None, None))
    if name != info.name:
        return
    st.success(escape_markdown(score_line(name, result, decoding)))
    if "bleu_signature" in result.scores:
        st.caption(f"sacreBLEU {result.scores['bleu_signature']} · {result.scores['chrf_signature']}")
    worst_first = st.toggle("Worst first", True, help="Sorted by sentence BLEU; click a column header to re-sort.")
    st.dataframe(result.rows.sort_values("sentence BLEU", ascending=worst_first, kind="stable"), hide_index=True)
    st.caption("Sentence BLEU (sacreBLEU, effective order) uses all of a sentence's references; "
               "the table shows the first and how many there are.")
    glossary.what("scores")


def compare_tab(models: list[service.ModelInfo], current: str | None, decode: DecodeConfig) -> None:
    left, right = st.columns(2)
    with left:
        a = pick("Model A", models, "models_cmp_a", current)
    with right:
        b = pick("Model B", models, "models_cmp_b", None, default=_same_direction(models, a))
    count = st.number_input("Test sentences (from A's test split)", 10, 5000, 100, 50, key="models_cmp_n")
    if a.data != b.data:
        st.warning(f"A was trained on {escape_markdown(a.data)} and B on {escape_markdown(b.data)}: "
                   "B is scored on sentences from A's data.")
    if st.button("Compare on the same sentences", type="primary"):
        with user_errors():
            sources, refs = service.test_set(a, count)
            st.session_state["models_cmp"] = ((a.name, b.name), decode.describe(),
                                              evaluate(a, decode, sources, refs, "A"),
                                              evaluate(b, decode, sources, refs, "B"))
    names, decoding, result_a, result_b = st.session_state.get("models_cmp", (None, None, None, None))
    if names == (a.name, b.name):
        st.text(f"A · {score_line(a.name, result_a, decoding)}\nB · {score_line(b.name, result_b, decoding)}")
        st.caption("Largest sentence-BLEU differences first; B − A > 0 where B does better.")
        st.dataframe(service.side_by_side(result_a.rows, result_b.rows), hide_index=True)
    typed_comparison(a, b, decode)


def _same_direction(models: list[service.ModelInfo], a: service.ModelInfo) -> int:
    """B's first choice: another model of A's task and direction (same data first), so that the
    comparison needs no warning; any other model when none exists."""
    others = [i for i, m in enumerate(models) if m.name != a.name]
    for alike in (lambda m: m.data == a.data, lambda m: (m.task, m.direction) == (a.task, a.direction)):
        found = [i for i in others if alike(models[i])]
        if found:
            return found[0]
    return others[0] if others else 0


def typed_comparison(a: service.ModelInfo, b: service.ModelInfo, decode: DecodeConfig) -> None:
    """Both models on sentences the user types, with sentence BLEU where a reference follows a tab."""
    st.markdown("**Or compare them on sentences of your own**")
    text = st.text_area("Sentences of your own", key="models_cmp_typed", height=110, max_chars=MAX_CHARS,
                        placeholder="One sentence per line; a reference may follow a tab: source<TAB>reference",
                        help="One sentence per line. To score the outputs, put a tab and the expected "
                             "translation after the sentence.")
    lines = sentences(text)[:MAX_LINES]
    if st.button("Translate with both", disabled=not lines):
        table = service.compare_typed(cached_translator(str(a.path), a.version),
                                      cached_translator(str(b.path), b.version), decode, lines)
        st.session_state["models_cmp_typed_result"] = ((a.name, b.name, tuple(lines)), decode.describe(), table)
    shown, decoding, table = st.session_state.get("models_cmp_typed_result", (None, None, None))
    if shown != (a.name, b.name, tuple(lines)):
        return
    st.caption(f"A = {escape_markdown(a.name)}, B = {escape_markdown(b.name)} · {escape_markdown(decoding)}"
               + (" · sentence BLEU (0-100) against your reference" if "reference" in table.columns else ""))
    st.dataframe(table, hide_index=True)


def files_tab(models: list[service.ModelInfo], current: str | None) -> None:
    info = pick("Model", models, "models_files_model", current)
    st.download_button("⬇ Download as .zip", data=lambda: service.checkpoint_zip(info.path),
                       file_name=f"{info.path.name}.zip", mime="application/zip",
                       help="Weights, configs, tokenizers and scores; not the optimizer state.")
    if info.shipped:
        st.caption("Shipped models are read-only.")
        return
    classroom.unlock_panel()
    with st.popover("🗑 Delete this run"):
        st.write(f"Delete {info.name} and everything in its folder?")
        if st.button("Yes, delete it", type="primary", key="models_delete"):
            if not classroom.allowed("Deleting a run", where="with the passphrase box just above, in this tab"):
                return
            with user_errors() as failed:
                runs.delete(info.path.name)
            if not failed:
                st.rerun()
