"""The places where the app grows by one registration: each registered entry must bring every piece the
rest of the app reads, so that an entry added half-way fails here rather than on a page.

Attention kinds: seq2seq.nn.attention.SCORERS (with config.ATTENTIONS naming the same kinds).
The Step-by-step page's charts: studio.step.cache.STEP_CHARTS, one entry per StepChart kind."""
from pathlib import Path

import pytest
import torch

from seq2seq.config import ATTENTIONS, DecodeConfig, ModelConfig
from seq2seq.decoding.trace import StepTrace
from seq2seq.nn import notation
from seq2seq.nn.attention import SCORERS
from seq2seq.nn.model import Seq2Seq, parameter_upper_bound
from studio.step.cache import STEP_CHARTS, StepChart
from studio.step.equations import step_equations

REPO = Path(__file__).resolve().parent.parent


def test_the_config_accepts_exactly_the_registered_attention_kinds():
    assert set(ATTENTIONS) == {"none", *SCORERS}, "name each kind in SCORERS (nn/attention.py) and config.ATTENTIONS"


def sizes_for(kind: str) -> dict:
    # dot compares s_t with h_j directly: the decoder's size must be the encoder output's (2 × enc_hidden).
    return {"emb_dim": 8, "enc_hidden": 6, "dec_hidden": 12, "attention": kind}


@pytest.mark.parametrize("kind", sorted(SCORERS))
def test_an_attention_kind_brings_its_equation_size_and_score(kind):
    scorer = SCORERS[kind]
    assert isinstance(scorer.__dict__.get("equation"), str) and scorer.equation.startswith("e_{tj}"), \
        f"{scorer.__name__} needs its own `equation`"
    assert notation.SCORES[kind] == scorer.equation
    config = ModelConfig(20, 16, **sizes_for(kind))
    model = Seq2Seq(config).eval()
    attention = model.decoder.attention
    assert type(attention) is scorer
    # Its own weights, counted from the sizes alone: the size bound that refuses absurd configs reads this.
    assert sum(p.numel() for p in attention.parameters()) == scorer.parameter_count(config.memory_dim,
                                                                                     config.dec_hidden)
    assert model.num_parameters() <= parameter_upper_bound(config) <= 1.25 * model.num_parameters()
    src, lengths = torch.tensor([[4, 5, 6, 3], [7, 3, 0, 0]]), torch.tensor([4, 2])
    with torch.inference_mode():
        out = model(src, lengths, torch.tensor([[1, 5, 6], [1, 7, 8]]))
    assert out.attention.shape == (2, 3, 4) and torch.allclose(out.attention.sum(-1), torch.ones(2, 3))
    assert float(out.attention[1, :, 2:].abs().sum()) == 0.0  # padding gets no weight


@pytest.mark.parametrize("kind", sorted(SCORERS))
def test_the_step_page_shows_each_kinds_score(kind):
    step = StepTrace(index=0, input_piece="<s>", chosen_id=5, chosen_piece="a", logprob=-0.1, entropy=0.5, top=[],
                     attention=[0.7, 0.3], scores=[1.0, 0.2], context=[0.1] * 12, attentional=[0.2] * 12,
                     embedding=[0.0] * 8, hidden=[0.0] * 12, cell=None, gates={})
    equations = step_equations(ModelConfig(20, 16, **sizes_for(kind)), step, ["▁a", "</s>"])
    assert SCORERS[kind].equation in [equation.latex for equation in equations]


def test_each_step_page_chart_kind_has_one_entry_and_a_place_on_the_page():
    kinds = [drawn.kind for drawn in STEP_CHARTS]
    assert sorted(kinds, key=lambda k: k.name) == sorted(StepChart, key=lambda k: k.name), \
        "one STEP_CHARTS entry per StepChart kind, none twice (studio/step/cache.py)"
    view = (REPO / "studio" / "step" / "view.py").read_text(encoding="utf-8")
    assert [kind.name for kind in StepChart if f"StepChart.{kind.name}]" not in view] == [], \
        "studio/step/view.py shows each kind as charts[StepChart.NAME]"


@pytest.mark.parametrize("strategy", ["greedy", "beam"])
def test_each_step_page_chart_draws_every_step_of_a_real_trace(dates_translator, strategy):
    trace = dates_translator.trace("March 5, 1987", DecodeConfig(strategy=strategy, beam_size=3))
    for index in (0, len(trace.steps) - 1):
        specs = {drawn.kind: drawn.spec(trace, index) for drawn in STEP_CHARTS}
        drawn = {kind for kind, value in specs.items() if value is not None}
        assert drawn == set(StepChart) - ({StepChart.BEAM} if strategy == "greedy" else set())
        assert all("datasets" in value for value in specs.values() if value is not None)


# Pages: a page is its package studio/NAME/ (view.py's show(), re-exported by __init__.py) and one script in
# pages/ that registers it (the menu, the home page's map and the links are read from pages/).
STUDIO = REPO / "studio"


def page_script_packages() -> dict[str, str]:
    """pages/ script -> the studio package it shows (`from studio import NAME` then `NAME.show()`)."""
    import ast

    shown = {}
    for path in sorted((REPO / "pages").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module == "studio":
                shown[path.name] = node.names[0].name
    return shown


def test_every_page_package_has_one_page_script_and_every_script_shows_a_page_package():
    packages = sorted(p.name for p in STUDIO.iterdir() if (p / "view.py").is_file() and p.name != "home")
    assert sorted(page_script_packages().values()) == packages, \
        "each studio/NAME/view.py page needs one pages/N_Title.py script, and each script a package"


def test_a_pages_title_is_the_same_in_the_menu_and_in_its_browser_tab():
    """The menu titles a page after its script's name; the page's start(title) names its browser tab."""
    import ast

    from studio.shared.pagemap import page_summaries

    packages = page_script_packages()
    for page in page_summaries():
        view = STUDIO / packages[Path(page.path).name] / "view.py"
        starts = [node for node in ast.walk(ast.parse(view.read_text(encoding="utf-8")))
                  if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "start"]
        assert [ast.literal_eval(call.args[0]) for call in starts] == [page.title], view.relative_to(REPO)


def test_the_lesson_never_writes_a_step_number():
    """Numbers come from STEPS' order (studio/lesson/steps/common.number): moving a step renumbers its mentions,
    in the steps' prose and in the page's help text and caption (view.py) alike."""
    import re

    from studio.lesson.steps import STEPS
    from studio.lesson.steps.common import number

    lesson = STUDIO / "lesson"
    written = [f"{path.relative_to(lesson)}:{line_number}" for path in sorted(lesson.rglob("*.py"))
               for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"\b[Ss]teps? \d", line)]
    assert written == []
    assert [number(step.draw.__name__) for step in STEPS] == list(range(1, len(STEPS) + 1))
