"""`python -m seq2seq`: the line contract of translate, JSON of trace/evaluate, and clean failures."""
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seq2seq.cli.main import main

REPO = Path(__file__).resolve().parent.parent
DATES = REPO / "checkpoints" / "dates"
COMMANDS = ("train", "translate", "evaluate", "trace")


def run_module(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "seq2seq", *args], input=stdin, capture_output=True, cwd=REPO,
                          env=env, timeout=900)


def run_main(capsys, monkeypatch, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_translate_keeps_one_output_line_per_input_line():
    lines = ["March 5, 1987", "", "12/03/1999", "   ", "Tue 4 jan 2000\x0cpage break", "7.11.1972\u2028",
             "x" * 5000, "august 9 2021"]
    result = run_module("translate", "--checkpoint", "checkpoints/dates", stdin="\n".join(lines).encode() + b"\n")
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode("utf-8").split("\n")
    assert out[-1] == "" and len(out[:-1]) == len(lines)
    assert out[0] == "1987-03-05" and out[2] == "1999-03-12" and out[7] == "2021-08-09"
    assert out[1] == "" and out[3] == ""  # nothing to translate -> an empty line, never a dropped one
    assert out[5] == "1972-11-07"
    assert out[6] != ""  # the 5,000-character line is cut, still translated, with a warning
    assert "warning: input of 5000 characters truncated" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_a_bad_checkpoint_path_exits_2_with_an_error_line():
    result = run_module("translate", "--checkpoint", "checkpoints/no-such-model", stdin=b"hello\n")
    assert result.returncode == 2
    assert result.stderr.decode().startswith("error: ") and "no-such-model" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode() and result.stdout == b""


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m seq2seq {command}") and "--help" in out


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(command in out for command in COMMANDS)


def test_translate_reads_an_input_file_and_handles_crlf_and_a_bom(capsys, monkeypatch, tmp_path):
    (tmp_path / "in.txt").write_bytes("\ufeffMarch 5, 1987\r\n\r\n12/03/1999".encode())
    code, out, err = run_main(capsys, monkeypatch, "translate", "--checkpoint", str(DATES),
                              "--input", str(tmp_path / "in.txt"))
    assert code == 0 and out == "1987-03-05\n\n1999-03-12\n", err


def test_translate_with_beam_and_sampling_options(capsys, monkeypatch):
    code, out, _ = run_main(capsys, monkeypatch, "translate", "--checkpoint", str(DATES), "--beam", "4",
                            stdin=b"Sunday, May 1, 1955\n")
    assert code == 0 and out == "1955-05-01\n"
    code, out, _ = run_main(capsys, monkeypatch, "translate", "--checkpoint", str(DATES), "--sample", "--top-k", "1",
                            stdin=b"Sunday, May 1, 1955\n")
    assert code == 0 and out == "1955-05-01\n"


def test_empty_stdin_gives_no_output(capsys, monkeypatch):
    assert run_main(capsys, monkeypatch, "translate", "--checkpoint", str(DATES)) == (0, "", "")


@pytest.mark.parametrize("args,needle", [
    (["translate", "--checkpoint", str(DATES), "--beam", "500"], "beam_size"),
    (["translate", "--checkpoint", str(DATES), "--sample", "--temperature", "0"], "temperature"),
    (["translate", "--checkpoint", str(DATES), "--input", "/no/such/file.txt"], "/no/such/file.txt"),
    (["evaluate", "--checkpoint", str(DATES)], "--src"),
    (["translate", "--checkpoint", str(REPO / "seq2seq")], "config.json"),
    (["train", "--preset", "no-such-preset"], "no-such-preset"),
    (["train", "--preset", "reverse", "--set", "epochs=3"], "model.NAME=VALUE"),
])
def test_user_mistakes_exit_2_with_a_message(capsys, monkeypatch, args, needle):
    code, out, err = run_main(capsys, monkeypatch, *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and needle in err


def test_trace_prints_json_with_steps(capsys, monkeypatch):
    code, out, _ = run_main(capsys, monkeypatch, "trace", "--checkpoint", str(DATES), "March 5, 1987")
    trace = json.loads(out)
    assert code == 0 and trace["translation"] == "1987-03-05" and trace["strategy"] == "greedy"
    assert len(trace["steps"]) == len(trace["output_ids"]) + 1 == 11
    assert trace["steps"][-1]["chosen_piece"] == "</s>"
    assert len(trace["steps"][0]["attention"]) == len(trace["src_ids"])


def test_trace_with_beam_includes_the_tree_and_nbest(capsys, monkeypatch):
    code, out, _ = run_main(capsys, monkeypatch, "trace", "--checkpoint", str(DATES), "--beam", "3", "--n-best", "2",
                            "12/03/1999")
    trace = json.loads(out)
    assert code == 0 and trace["strategy"] == "beam" and len(trace["nbest"]) == 2 and trace["beam"]


def write_lines(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def test_evaluate_a_toy_model_reports_exact_match(capsys, monkeypatch, tmp_path):
    src = write_lines(tmp_path / "src.txt", ["March 5, 1987", "12/03/1999"])
    ref = write_lines(tmp_path / "ref.txt", ["1987-03-05", "1999-03-21"])
    code, out, _ = run_main(capsys, monkeypatch, "evaluate", "--checkpoint", str(DATES), "--src", src, "--ref", ref)
    result = json.loads(out)
    assert code == 0 and result["exact_match"] == 0.5 and result["sentences"] == 2
    assert result["decoding"] == "greedy" and "bleu" not in result


def test_evaluate_a_translation_model_reports_bleu_and_chrf_with_signatures(capsys, monkeypatch, tmp_path):
    checkpoint = tmp_path / "ckpt"
    shutil.copytree(DATES, checkpoint)
    config = json.loads((checkpoint / "config.json").read_text())
    config["train"]["data"] = "tsv:/nonexistent/pairs.tsv"  # no longer a toy task: scored like translation
    (checkpoint / "config.json").write_text(json.dumps(config))
    src = write_lines(tmp_path / "src.txt", ["March 5, 1987", "12/03/1999"])
    ref = write_lines(tmp_path / "ref.txt", ["1987-03-05", "1999-03-12"])
    code, out, _ = run_main(capsys, monkeypatch, "evaluate", "--checkpoint", str(checkpoint), "--src", src,
                            "--ref", ref, "--beam", "3")
    result = json.loads(out)
    assert code == 0 and result["bleu"] == 100.0 and result["chrf"] == 100.0
    assert result["bleu_signature"].startswith("nrefs:1|") and "tok:13a" in result["bleu_signature"]
    assert result["chrf_signature"].startswith("nrefs:1|") and result["decoding"].startswith("beam search (size 3,")


def test_evaluate_refuses_misaligned_files(capsys, monkeypatch, tmp_path):
    src = write_lines(tmp_path / "src.txt", ["March 5, 1987", "12/03/1999"])
    ref = write_lines(tmp_path / "ref.txt", ["1987-03-05"])
    code, _, err = run_main(capsys, monkeypatch, "evaluate", "--checkpoint", str(DATES), "--src", src, "--ref", ref)
    assert code == 2 and "has 1 lines but" in err


def test_list_presets(capsys, monkeypatch):
    code, out, _ = run_main(capsys, monkeypatch, "train", "--list-presets")
    assert code == 0 and "reverse" in out and "tatoeba-en-fr" in out


def test_every_option_of_every_command_has_help_and_translate_trace_show_examples():
    from seq2seq.cli.main import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    silent = [f"{name} {' '.join(action.option_strings) or action.dest}" for name, command in commands.items()
              for action in command._actions if not action.help]
    assert silent == []
    for name in ("translate", "trace"):
        text = commands[name].format_help()
        assert "examples:\n" in text and f"python -m seq2seq {name} " in text
        assert "(default: 1.0)" in text  # --temperature's default is shown


def test_n_best_belongs_to_trace_alone(capsys, monkeypatch):
    with pytest.raises(SystemExit):
        run_main(capsys, monkeypatch, "translate", "--checkpoint", str(DATES), "--n-best", "2")
    assert "unrecognized arguments: --n-best" in capsys.readouterr().err


def test_trace_reads_its_sentence_from_stdin_and_refuses_several(capsys, monkeypatch):
    code, out, _ = run_main(capsys, monkeypatch, "trace", "--checkpoint", str(DATES), stdin=b"March 5, 1987\n")
    assert code == 0 and json.loads(out)["source"] == "March 5, 1987"
    code, out, err = run_main(capsys, monkeypatch, "trace", "--checkpoint", str(DATES), stdin=b"a\nb\n")
    assert code == 2 and out == "" and "stdin holds 2 lines" in err


def test_verbose_says_what_was_loaded_and_quiet_leaves_warnings_out(capsys, monkeypatch):
    long_line = ("March 5, 1987 " * 1000).encode() + b"\n"  # over the 10,000-character cut: a warning
    code, _, err = run_main(capsys, monkeypatch, "-v", "translate", "--checkpoint", str(DATES), stdin=long_line)
    assert code == 0 and "info: loaded" in err and "warning:" in err
    code, _, err = run_main(capsys, monkeypatch, "-q", "translate", "--checkpoint", str(DATES), stdin=long_line)
    assert code == 0 and err == ""
