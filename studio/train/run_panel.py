"""One training run on the Train page: state, progress, live curves, the probe, and its buttons.

While the run trains, the panel is a fragment that re-reads only the run's files every two seconds;
the rest of the page does not rerun. Events already read stay in the session, so each poll reads
only the new lines of events.jsonl.
"""
from __future__ import annotations

import streamlit as st

from seq2seq.service import runs
from seq2seq.service.runs import Event, continued, latest, merge
from studio.shared import classroom, glossary
from studio.shared.messages import user_errors
from studio.shared.query import put
from studio.shared.text import escape_markdown
from studio.train import charts
from studio.train.stop_reasons import reason_label, score_text, why_stopped

STATE_LABELS = {"launching": "⏳ starting", "running": "🟢 training", "stopping": "🟡 stopping (saving a checkpoint)",
                "stopped": "⏸️ stopped", "finished": "✅ finished", "failed": "❌ failed"}


def run_panel(run_id: str) -> None:
    state = runs.status(run_id).state
    if state in runs.LIVE:
        _live_panel(run_id, state)
    else:
        _panel(run_id, state)


@st.fragment(run_every=2)
def _live_panel(run_id: str, state_at_start: str) -> None:
    _panel(run_id, state_at_start)


def _panel(run_id: str, state_at_start: str) -> None:
    status = runs.status(run_id)
    if status.live != (state_at_start in runs.LIVE):
        st.rerun()  # the run ended (or restarted): redraw the page so the sidebar and buttons follow
    events = _events(run_id)
    _header(status)
    _actions(status)
    _outcome(status, events)
    _progress(status, events)
    _numbers(events)
    _curves(events)
    _probes(events)


def _events(run_id: str) -> list[Event]:
    cache = st.session_state.setdefault(f"_run_events:{run_id}", {"offset": 0, "events": []})
    new, offset = runs.read_events(run_id, cache["offset"])
    if offset < cache["offset"]:
        cache["events"] = []
    cache["events"], cache["offset"] = merge(cache["events"], new), offset
    return continued(cache["events"])


def _header(status: runs.RunStatus) -> None:
    st.subheader(f"Run {escape_markdown(status.run_id)} · {STATE_LABELS.get(status.state, status.state)}")
    st.caption(f"Data: {escape_markdown(status.data)} · model name in the sidebar: "
               f"{escape_markdown(status.model_name)}")


def _actions(status: runs.RunStatus) -> None:
    classroom.refusal_note(status.run_id)
    stop, resume, use, delete = st.columns(4)
    if stop.button("⏹ Stop", disabled=status.state != "running", key=f"stop:{status.run_id}",
                   help="Stops after the current step and saves a checkpoint you can resume."):
        _act(runs.stop, status.run_id)
    if resume.button("▶ Resume", disabled=not status.can_resume, key=f"resume:{status.run_id}",
                     help="Continues from the last saved step; the curves go on where they stopped."):
        _act(runs.resume, status.run_id)
    if use.button("Use in the sidebar", disabled=not status.has_checkpoint, key=f"use:{status.run_id}"):
        put("model", status.model_name)
        st.rerun()
    with delete.popover("🗑 Delete", disabled=status.live):
        st.write("Delete this run, its checkpoint and its curves?")
        if st.button("Yes, delete it", type="primary", key=f"delete:{status.run_id}"):
            _act(runs.delete, status.run_id)


# What each guarded button does, in the words of classroom mode's refusal.
_ACTIONS = {runs.stop: "Stopping a run", runs.resume: "Resuming a run", runs.delete: "Deleting a run"}


def _act(action, run_id: str) -> None:
    if not classroom.allowed(_ACTIONS[action], keep_as=run_id):
        st.rerun()  # redrawn with the refusal kept above the buttons
        return
    with user_errors() as failed:
        action(run_id)
    if failed:
        return
    if action is runs.delete:
        put("run", "")
    st.rerun()


def _outcome(status: runs.RunStatus, events: list[Event]) -> None:
    if status.state == "failed":
        st.error(f"The run failed: {escape_markdown(str(status.error))}")
        st.code(status.log_tail or "(the log is empty)", language=None)
        if status.has_checkpoint:
            st.caption("Its last saved checkpoint is intact; resume to continue from it.")
    elif status.state == "stopped":
        st.info(f"Stopped. {why_stopped('stopped', None, events)} Its last checkpoint is usable."
                if status.can_resume else "Stopped before it saved a checkpoint; delete it and launch again.")
    elif status.state == "finished":
        test = latest(events, "test") or {}
        score = f"BLEU {test['bleu']:.1f}" if "bleu" in test else \
            f"exact match {test['exact_match']:.1%}" if "exact_match" in test else "not scored"
        st.success(f"Finished: it {reason_label(status.reason)}. Test set {score} (greedy). "
                   f"Pick {status.model_name} in the sidebar's model picker to use it.")
        st.markdown("**Why it stopped:** " + escape_markdown(
            why_stopped(status.reason, runs.run_settings(status.run_id), events)))


def _progress(status: runs.RunStatus, events: list[Event]) -> None:
    start, train = latest(events, "start"), latest(events, "train")
    if train is None:
        st.progress(0.0, text="Loading data and building the model…" if status.live else "No training step yet.")
        return
    done = latest(events, "done") if not status.live else None
    # The last step the run took: a run ends between two training reports, at its "done" step.
    step = done["step"] if done else train["step"]
    total_steps = start.get("total_steps") if start else None
    fraction = step / total_steps if total_steps else train["progress"]
    eta = f" · ETA {_duration(train['eta_s'])}" if status.live and train.get("eta_s") is not None else ""
    total = f" of {total_steps:,}" if total_steps else ""
    ended = f" · {reason_label(done['reason'])}" if done and done.get("reason") else ""
    st.progress(min(1.0, fraction), text=f"step {step:,}{total} · {fraction:.0%}{eta}{ended}")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _numbers(events: list[Event]) -> None:
    train, valid = latest(events, "train"), latest(events, "valid")
    if train is None:
        return
    loss, score, speed, rate = st.columns(4)
    loss.metric("Training loss", f"{train['loss']:.3f}", help=glossary.HELP["loss"])
    metric = charts.score_metric(events)
    if valid is not None and metric in valid:
        score.metric(charts.METRIC_LABELS[metric], score_text(metric, valid[metric]),
                     help=f"At step {valid['step']:,}. " + glossary.GLOSSARY["bleu"])
    speed.metric("Tokens / s", f"{train['tokens_per_s']:,.0f}", help=glossary.HELP["tokens_per_s"])
    rate.metric("Learning rate", f"{train['lr']:.2g}", help=glossary.HELP["lr"])


def _curves(events: list[Event]) -> None:
    if latest(events, "train") is None:
        return
    left, middle, right = st.columns(3)
    left.altair_chart(charts.loss_chart(events), width="stretch")
    middle.altair_chart(charts.perplexity_chart(events), width="stretch")
    if latest(events, "valid") is not None:
        right.altair_chart(charts.score_chart(events), width="stretch")
    glossary.what("training")


def _probes(events: list[Event]) -> None:
    valid = next((e for e in reversed(events) if e["type"] == "valid" and e.get("probes")), None)
    if valid is None:
        return
    st.markdown(f"**Probe sentences at step {valid['step']:,}** (refreshed at each validation)")
    for column, probe in zip(st.columns(len(valid["probes"][:2])), valid["probes"][:2]):
        column.text(f"source:      {probe['source']}\ntranslation: {probe['translation']}")
        chart = charts.probe_heatmap(probe)
        if chart is not None:
            column.altair_chart(chart)
