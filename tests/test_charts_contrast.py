"""The contrastive explanation's chart and the what-the-model-has-seen notes, without a browser."""
from seq2seq.analysis.coverage import BytePieces, Coverage, WordSeen
from studio.shared.charts.contrast import contrast_chart, contrast_frame
from studio.shared.coverage import bytes_text, language_text, words_text

LABELS = {"attention": "attention", "saliency": "saliency (gradient norm)", "gradient_x_input": "gradient × input",
          "integrated_gradients": "integrated gradients"}
SCORES = {"saliency": [0.1, 0.4, 0.2], "gradient_x_input": [-0.5, 1.0, 0.1], "integrated_gradients": [-1.0, 3.0, 0.5]}
OUTPUT = {"saliency": [0.3], "gradient_x_input": [0.2], "integrated_gradients": [-4.0]}


def test_both_sides_share_one_scale_per_row_and_attention_covers_the_source_only():
    frame = contrast_frame(["▁a", "b", "</s>"], ["▁x"], SCORES, OUTPUT, [0.2, 0.7, 0.1], LABELS)
    ig = frame[frame["pointer"] == "integrated gradients"]
    assert list(ig["share"]) == [-0.25, 0.75, 0.125, -1.0]  # the output piece holds the row's largest |score|
    assert set(frame[frame["pointer"] == "attention"]["side"]) == {"source"}
    assert frame["share"].between(-1, 1).all()
    spec = contrast_chart(frame).to_dict()  # validates against the Vega-Lite schema
    titles = [part["encoding"]["x"]["title"] for part in spec["hconcat"]]
    assert titles == ["source piece", "output piece so far"]


def test_the_first_step_has_no_output_side():
    frame = contrast_frame(["▁a", "</s>"], [], {k: v[:2] for k, v in SCORES.items()},
                           {k: [] for k in OUTPUT}, None, LABELS)
    assert set(frame["side"]) == {"source"}
    assert contrast_chart(frame).to_dict()["encoding"]["x"]["title"] == "source piece"


def test_notes_escape_what_was_typed_and_say_the_counts():
    typed = WordSeen("**bold**<script>", 0, 0)
    found = Coverage(1000, [typed], [WordSeen("zebra", 3, 0)], [], False, [BytePieces(["<0x24>"], "$")])
    text = words_text(found, "toy:data")
    assert "\\*\\*bold\\*\\*\\<script\\>" in text and "(never)" in text and "**zebra** (in 3 sentences)" in text
    assert "never or rarely" in text and "1,000 sentences" in text
    assert "\\<0x24\\> = “\\$”" in bytes_text(found)
    assert language_text(found, "en", "fr") is None
    french = Coverage(1000, [WordSeen("je", 0, 300)], [], [WordSeen("je", 0, 300)], True, [])
    assert "This looks like French" in language_text(french, "en", "fr")
    assert words_text(french, "toy") is None  # the hint explains the French words already


def test_the_notebook_api_explains_a_step_against_a_candidate_named_by_its_piece():
    """studio.notebook (the Python API): step 4 of the dates model's "1987-03-05" is "7"; against "8"."""
    import pytest

    from studio import notebook as s2s

    model = s2s.load("dates")
    decoded = s2s.trace(model, "March 5, 1987")
    found = s2s.contrast(model, decoded, step=4, rather_than="8")
    assert (found.piece, found.foil) == ("7", "8") and found.contrast > 0
    spec = s2s.contrast_chart(found).to_dict()
    assert [part["encoding"]["x"]["title"] for part in spec["hconcat"]] == ["source piece", "output piece so far"]
    with pytest.raises(s2s.UserError, match="not a candidate of step 4"):
        s2s.contrast(model, decoded, step=4, rather_than="zz")
