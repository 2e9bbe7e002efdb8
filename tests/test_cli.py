"""The ecs-tutor command: JSON contract, JSON Lines batches, clean errors. Runs the real program."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest
from contract import ASK_KEYS, CHECK_KEYS, MATCH_KEYS, SOURCE_KEYS


@pytest.fixture(scope="module")
def run(cache_dir):
    def run(*args, stdin=None):
        command = [sys.executable, "-m", "tutor", "--cache-dir", str(cache_dir), *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=300)

    return run


def test_ask_json_has_exactly_the_contract_keys(run, tutor):
    guide = tutor.guide  # the built-in guides, as the command studies them
    done = run("ask", "--json", "How", "do", "tasks", "get", "AWS", "permissions?")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == ASK_KEYS
    assert data["question"] == "How do tasks get AWS permissions?"
    assert data["sources"] and all(set(s) == SOURCE_KEYS for s in data["sources"])
    titles = {i.title for i in guide.items} | {s.title for s in guide.scenarios}
    titles |= {s.title for s in guide.sections}
    assert {s["title"] for s in data["sources"]} <= titles


def test_check_json_has_exactly_the_contract_keys(run):
    done = run("check", "--json", "Spot Instances are fine for fault-tolerant batch work")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == CHECK_KEYS
    assert data["verdict"] == "correct"
    assert set(data["match"]) == MATCH_KEYS
    assert data["match"]["title"] == "Use Spot Instances"


def test_batch_prints_one_json_line_per_input_line_in_order(run, tutor):
    lines = [
        "Fargate tasks can mount EFS file systems",
        "",
        "Rolling updates can keep a service up while it is redeployed",
        "The Eiffel tower is in Paris",
    ]
    done = run("check", "--batch", "-", stdin="\n".join(lines) + "\n")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["claim"] for row in rows] == lines
    assert "error" in rows[1] and "empty" in rows[1]["error"]
    # The same answers as the library gives for each line on its own.
    for row, line in zip(rows, lines, strict=True):
        if line:
            assert row == tutor.check(line).to_dict()
    assert rows[0]["verdict"] == "correct" and rows[3]["verdict"] == "not_covered"
    assert all(set(row) == CHECK_KEYS for i, row in enumerate(rows) if i != 1)
    assert done.returncode == 1  # one line was refused


def test_a_batch_of_a_hundred_loads_the_model_once(run, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text("".join(f"what does service number {i} do?\n" for i in range(100)))
    done = run("ask", "--batch", str(questions))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 100
    assert all(set(row) == ASK_KEYS for row in rows)
    assert [r["question"] for r in rows] == questions.read_text().splitlines()


def test_explore_and_export(run, tmp_path):
    done = run("explore", "--json", "EBS Volumes")
    assert json.loads(done.stdout)["misconceptions"][0]["wrong"].startswith("EBS volumes can only")
    out = tmp_path / "g.json"
    done = run("export", "--format", "json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert len(json.loads(out.read_text())["nodes"]) > 100


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("ask", "-k", "0", "Fargate"), "-k: at least 1, not 0"),
        (("ask", "-k", "-3", "Fargate"), "-k: at least 1, not -3"),
        (("exam", "--json", "--count", "2.5"), "--count: a whole number, not '2.5'"),
        (("quiz", "-n", "0"), "-n: at least 1, not 0"),
    ],
)
def test_a_count_below_one_or_not_whole_is_refused_before_anything_runs(run, args, says):
    done = run(*args)
    assert done.returncode == 2 and says in done.stderr and not done.stdout


def test_a_claim_beside_a_batch_is_refused_not_ignored(run, tmp_path):
    batch = tmp_path / "claims.txt"
    batch.write_text("Fargate runs containers without servers\n", encoding="utf-8")
    done = run("check", "--batch", str(batch), "Only EC2 instances can have IAM roles")
    assert done.returncode == 1 and not done.stdout
    assert "as words or in --batch FILE, not both" in done.stderr


@pytest.mark.parametrize("fmt", ["json", "graphml", "anki"])
def test_an_export_to_a_folder_or_a_missing_one_is_one_clear_line(run, tmp_path, fmt):
    """No traceback, exit status 1, and nothing written anywhere (an export to a folder once left
    "<folder>.tmp" beside it)."""
    before = set(tmp_path.parent.iterdir())
    for out, says in ((tmp_path, "is a folder"), (tmp_path / "none" / "g.out", "no folder")):
        done = run("export", "--format", fmt, "--out", str(out))
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert set(tmp_path.parent.iterdir()) == before and not list(tmp_path.iterdir())


def test_explore_to_tells_how_two_concepts_relate(run):
    done = run("explore", "Fargate", "--to", "IAM Roles for Tasks")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "How Fargate and IAM Roles for Tasks relate"
    assert lines[2].startswith(" 1 Fargate — ")
    assert any(line.endswith("→ IAM Roles for Tasks (item)") for line in lines)
    data = json.loads(run("explore", "--json", "Fargate", "--to", "IAM Roles for Tasks").stdout)
    assert {"from", "to", "found", "hops", "suggestions"} <= set(data)
    assert data["from"] == "Fargate" and data["to"] == "IAM Roles for Tasks" and data["found"]
    assert data["hops"][0]["from"] == "Fargate"
    assert data["hops"][-1]["to"] == "IAM Roles for Tasks"
    hop_keys = {"from", "relation", "to", "explanation"}  # and a correction where one applies
    assert all(hop_keys <= set(hop) <= hop_keys | {"correction"} for hop in data["hops"])
    assert all(hop["explanation"] for hop in data["hops"])


def test_explore_to_a_name_that_is_no_concept_says_so_with_suggestions(run):
    done = run("explore", "--json", "Fargat", "--to", "Tasks")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert (data["found"], data["hops"]) == (False, [])
    assert data["from"] == "Fargat" and "Fargate" in data["suggestions"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "   "), "empty"),
        (("explore", "Fargat"), "did you mean: Fargate"),
        (("--guide", "/nonexistent/guide.md", "ask", "hi"), "cannot read the guide"),
    ],
)
def test_errors_are_one_clear_line_and_exit_1(run, args, message):
    done = run(*args)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("ecs-tutor: error:")


def test_check_json_is_the_verdicts_dict_indented_by_one(run, tutor):
    claim = "Fargate is always cheaper"
    done = run("check", claim, "--json")
    assert done.returncode == 0, done.stderr
    expected = json.dumps(tutor.check(claim).to_dict(), ensure_ascii=False, indent=1) + "\n"
    assert done.stdout == expected


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("ask", "What does Fargate take off my hands?"), ["Sources", " 1 Fargate — "]),
        (("check", "Fargate is always cheaper"), ["🔴 Misconception", "❌ Wrong: "]),
        (("explore", "Fargate"), ["Fargate", "Neighbours", " • part of: ECS Modes (section)"]),
    ],
)
def test_terminal_output_is_rendered_markdown_not_raw(run, args, shown):
    done = run(*args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "**" not in done.stdout and "### " not in done.stdout
    assert all(any(line.startswith(start) for line in lines) for start in shown)
    assert all(line == line.rstrip() for line in lines)  # no padding to a pipe


def test_output_to_a_pipe_keeps_a_sources_url_whole(run, tutor):
    """Rich wrapped at 80 columns and cut a source's URL in two; a pipe gets a paragraph to a
    line, for whatever reads it to wrap."""
    claim = "Fargate tasks can use up to 16 vCPU"
    source = tutor.check(claim).source
    url = re.search(r"https://\S+?(?=\)|$)", source).group(0)
    done = run("check", claim)
    assert done.returncode == 0, done.stderr
    assert any(url in line for line in done.stdout.splitlines())


def test_help_says_what_the_tool_does_in_whole_sentences(run):
    done = run("--help")
    assert done.returncode == 0
    about = " ".join(done.stdout.split("\n\n")[1].split())
    assert about.startswith("Study Amazon ECS from the guide, offline: ask a question")
    assert about.endswith("Developer tools (eval, fit, bench) are under ecs-tutor dev.")


def test_developer_tools_are_under_dev(run):
    done = run("dev", "--help")
    assert done.returncode == 0
    tools = [line.split()[0] for line in done.stdout.splitlines() if re.match(r"    \S", line)]
    assert tools == ["eval", "fit", "bench"]
    for tool in ("eval", "fit", "bench"):
        assert run(tool).returncode == 2  # no longer a command of its own


def test_serve_says_where_the_app_is_once_it_is_up(cache_dir, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "tutor", "--cache-dir", str(cache_dir), "serve"]
    env = dict(os.environ, ECS_TUTOR_DATA=str(tmp_path))  # uploads and progress: not ours
    server = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.PIPE, text=True, env=env
    )
    watchdog = threading.Timer(180, server.kill)  # a server that never comes up fails the test
    watchdog.start()
    try:
        assert server.stdout.readline() == f"ECS Tutor is served on http://127.0.0.1:{port}\n"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as reply:
            assert reply.status == 200  # up indeed
    finally:
        watchdog.cancel()
        server.terminate()
        server.wait(timeout=30)
