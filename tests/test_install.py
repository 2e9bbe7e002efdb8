"""Installable as a package: a plain wheel carries every file the tutor reads at run time."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tutor.check.model import DEFAULT_MODEL_PATH
from tutor.cli import main
from tutor.config import DEFAULT_GUIDE, PROJECT_DIR, Settings, resource

PYPROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
QUESTION = "What does Fargate take off my hands?"
CLAIM = "EBS volumes can be attached to Fargate tasks too"  # corrected by the errata
# Run by a fresh interpreter: the installed copy first on sys.path, so neither the checkout nor
# its editable install is what answers. Prints where each package came from on stderr.
_INSTALLED = """
import json, sys
sys.path.insert(0, sys.argv[1])
import ecs_tutor_data, ingest, tutor
from tutor.cli import main
print(json.dumps([m.__file__ for m in (ecs_tutor_data, ingest, tutor)]), file=sys.stderr)
sys.exit(main(sys.argv[2:]))
"""


def test_every_folder_of_code_is_a_listed_package():
    # The packages are listed in pyproject.toml, not found: a new folder must be added there.
    folders = {
        ".".join(path.parent.relative_to(PROJECT_DIR).parts)
        for top in ("ingest", "kg", "tutor")
        for path in (PROJECT_DIR / top).rglob("*.py")
    }
    assert set(SETUPTOOLS["packages"]) == folders | {"ecs_tutor_data"}
    assert SETUPTOOLS["package-dir"] == {"ecs_tutor_data": "data"}


def test_every_file_read_at_run_time_is_package_data():
    globs = SETUPTOOLS["package-data"]["ecs_tutor_data"]
    run_time = [
        DEFAULT_GUIDE,
        DEFAULT_GUIDE.with_name("ecs.paraphrases.json"),
        resource("services.json"),
        DEFAULT_MODEL_PATH,
        *Settings().guides,  # the built-in guides
        *Settings().examples_paths(),  # and what the tutor learns from for them
        *Settings().questions_paths(),
    ]
    for path in run_time:
        name = path.relative_to(PROJECT_DIR / "data").as_posix()
        assert path.is_file() and any(fnmatch.fnmatch(name, glob) for glob in globs), name


def _sources(into: Path) -> Path:
    """The files a wheel is built from, copied: building in the checkout would leave build/ and
    *.egg-info there, and a stale build/lib can slip removed modules into the wheel."""
    into.mkdir()
    for name in ("pyproject.toml", "README.md", *(f"{m}.py" for m in SETUPTOOLS["py-modules"])):
        shutil.copy2(PROJECT_DIR / name, into / name)
    tops = {p.split(".")[0] for p in SETUPTOOLS["packages"]} - set(SETUPTOOLS["package-dir"])
    for folder in [*tops, *SETUPTOOLS["package-dir"].values()]:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(PROJECT_DIR / folder, into / folder, ignore=ignore)
    return into


def _pip(*args: str, cwd: Path) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_a_plain_wheel_answers_from_its_own_data(
    tmp_path, cache_dir, seed_cache_dir, seed_tutor, capsys
):
    source = _sources(tmp_path / "src")
    dist = tmp_path / "dist"
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), ".", cwd=source)
    (wheel,) = dist.glob("ecs_tutor-*.whl")
    site = tmp_path / "site"
    _pip("install", "--no-deps", "--target", str(site), str(wheel), cwd=tmp_path)
    shutil.rmtree(source)  # nothing may be read from the sources it was built from

    work = tmp_path / "work"  # a working directory outside the checkout
    work.mkdir()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ECS_TUTOR_CACHE": str(tmp_path / "cache"),
        "ECS_TUTOR_DATA": str(tmp_path / "data"),
        # The session's export of the model (conftest.py's scratch folder): exporting it again
        # would only cost time; the model package is a dependency, not part of this wheel.
        "ECS_TUTOR_MODELS_DIR": str(Path(os.environ["ECS_TUTOR_CACHE"]) / "models"),
    }
    command = [sys.executable, "-I", "-c", _INSTALLED, str(site), "ask", QUESTION, "--json"]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr

    origins = json.loads(done.stderr.splitlines()[-1])
    assert all(Path(origin).is_relative_to(site) for origin in origins), origins
    answer = json.loads(done.stdout)
    assert answer["question"] == QUESTION
    assert answer["sources"][0]["title"] == "Fargate"
    assert "Serverless compute engine for containers" in answer["answer"]
    assert list((tmp_path / "cache").glob("index-*"))  # its cache went where it was told
    # The same answer as the checkout gives: the wheel carries the same data, examples included.
    assert main(["--cache-dir", str(cache_dir), "ask", QUESTION, "--json"]) == 0
    assert answer == json.loads(capsys.readouterr().out)
    # And a check that needs the corrections and the comparatives lexicon it ships with, on the
    # seed guide alone (studied with the in-depth guide, the claim finds that guide's EBS item).
    seed = site / "ecs_tutor_data" / "guides" / DEFAULT_GUIDE.name
    command[-3:] = ["--guide", str(seed), "check", CLAIM, "--json"]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["verdict"] == "correct" and "Correction: True now" in verdict["explanation"]
    # The seed guide's own cache: building its index in `cache_dir` would remove the session's.
    mine = ["--cache-dir", str(seed_cache_dir), "--guide", str(DEFAULT_GUIDE), "check", CLAIM]
    mine.append("--json")
    assert main(mine) == 0
    assert verdict == json.loads(capsys.readouterr().out)
