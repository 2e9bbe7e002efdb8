"""tutor/config.py: the shipped files, the user's directories and the environment, read once."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import platformdirs
import pytest

import ingest.services
from tutor.check.model import DEFAULT_MODEL_PATH
from tutor.cli import main
from tutor.config import (
    BUILTIN_GUIDES,
    DEFAULT_EXAMPLES,
    DEFAULT_GUIDE,
    PROJECT_DIR,
    Settings,
    resource,
    settings_from_env,
    user_dir,
)
from tutor.errors import TutorError


def test_shipped_files_are_read_from_the_data_package():
    folder = Path(str(files("ecs_tutor_data")))
    assert DEFAULT_GUIDE == folder / "guides" / "ecs.md"
    assert ingest.services.DEFAULT_ALIASES == resource("services.json") == folder / "services.json"
    assert DEFAULT_MODEL_PATH == folder / "models" / "side.json"
    assert DEFAULT_EXAMPLES == folder / "train" / "claims.jsonl"
    for path in (DEFAULT_GUIDE, resource("services.json"), DEFAULT_MODEL_PATH, DEFAULT_EXAMPLES):
        assert path.is_file()


def test_in_a_checkout_the_data_package_is_the_data_folder_itself():
    # The editable install maps the package onto data/: one copy of the files, no second one.
    assert resource("guides/ecs.md") == PROJECT_DIR / "data" / "guides" / "ecs.md"


def test_the_user_directories_are_platformdirs_unless_the_environment_says():
    assert user_dir("data", {}) == platformdirs.user_data_path("ecs-tutor", appauthor=False)
    assert user_dir("cache", {}) == platformdirs.user_cache_path("ecs-tutor", appauthor=False)
    assert PROJECT_DIR not in user_dir("data", {}).parents
    assert user_dir("data", {"ECS_TUTOR_DATA": "/srv/d"}) == Path("/srv/d")
    assert user_dir("cache", {"ECS_TUTOR_CACHE": "/srv/c"}) == Path("/srv/c")
    with pytest.raises(ValueError):
        user_dir("config", {})


def test_settings_default_to_the_directories_the_environment_names(tmp_path, monkeypatch):
    monkeypatch.setenv("ECS_TUTOR_DATA", str(tmp_path / "d"))
    monkeypatch.setenv("ECS_TUTOR_CACHE", str(tmp_path / "c"))
    settings = Settings()
    assert (settings.data_dir, settings.cache_dir) == (tmp_path / "d", tmp_path / "c")
    assert settings.models_dir == tmp_path / "c" / "models"  # shared by every index under it


def test_the_tests_never_use_the_users_own_directories():
    settings = Settings()  # as every test that does not say otherwise sees it (conftest.py)
    users = [platformdirs.user_data_path("ecs-tutor", appauthor=False), user_dir("cache", {})]
    for folder in (settings.data_dir, settings.cache_dir, settings.models_dir):
        assert not any(folder.is_relative_to(theirs) for theirs in users)
        assert not folder.is_relative_to(PROJECT_DIR)


def test_settings_from_env_reads_every_variable(tmp_path):
    env = {
        "ECS_TUTOR_GUIDE": os.pathsep.join(["g.md", "h.md"]),
        "ECS_TUTOR_ALIASES": "a.json",
        "ECS_TUTOR_MODEL": "/models/m",
        "ECS_TUTOR_CACHE": str(tmp_path / "c"),
        "ECS_TUTOR_EXAMPLES": "none",
        "ECS_TUTOR_DATA": str(tmp_path / "d"),
        "ECS_TUTOR_PROGRESS_DB": "sqlite:///p.db",
        "ECS_TUTOR_SIDE": "rules",
        "ECS_TUTOR_NLI": "/models/nli",
        "ECS_TUTOR_BACKEND": "torch",
        "ECS_TUTOR_MODELS_DIR": str(tmp_path / "m"),
    }
    assert settings_from_env(env) == Settings(
        guides=(Path("g.md"), Path("h.md")),
        aliases=Path("a.json"),
        model="/models/m",
        cache_dir=tmp_path / "c",
        examples="none",
        data_dir=tmp_path / "d",
        progress_db="sqlite:///p.db",
        side="rules",
        nli="/models/nli",
        backend="torch",
        models_dir=tmp_path / "m",
    )


def test_settings_from_an_empty_environment_are_the_defaults():
    settings = settings_from_env({})
    assert (settings.guides, settings.backend, settings.side) == (BUILTIN_GUIDES, "onnx", None)
    assert settings.guides[0] == DEFAULT_GUIDE  # the seed first, then the in-depth guide
    assert settings.data_dir == user_dir("data", {})
    assert settings.models_dir == user_dir("cache", {}) / "models"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ECS_TUTOR_SIDE", "bogus", "ECS_TUTOR_SIDE: expected one of rules, model, got 'bogus'"),
        ("ECS_TUTOR_SIDE", "Model", "ECS_TUTOR_SIDE: expected one of rules, model, got 'Model'"),
        ("ECS_TUTOR_BACKEND", "gpu", "ECS_TUTOR_BACKEND: expected one of onnx, torch, got 'gpu'"),
    ],
)
def test_a_bad_choice_names_its_variable(name, value, message):
    with pytest.raises(TutorError) as error:
        settings_from_env({name: value})
    assert str(error.value) == message


@pytest.mark.parametrize("name", ["ECS_TUTOR_CACHE", "ECS_TUTOR_DATA", "ECS_TUTOR_MODELS_DIR"])
def test_a_folder_variable_naming_a_file_is_refused(tmp_path, name):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    with pytest.raises(TutorError) as error:
        settings_from_env({name: str(a_file)})
    assert str(error.value) == f"{name}: {a_file} is a file, not a folder"


def test_a_folder_that_does_not_exist_yet_is_fine(tmp_path):
    assert settings_from_env({"ECS_TUTOR_DATA": str(tmp_path / "new")}).data_dir == tmp_path / "new"
    assert not (tmp_path / "new").exists()  # reading settings creates nothing


def test_the_cli_reports_a_bad_variable_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("ECS_TUTOR_BACKEND", "gpu")
    assert main(["ask", "What is Fargate?"]) == 1
    assert capsys.readouterr().err == (
        "ecs-tutor: error: ECS_TUTOR_BACKEND: expected one of onnx, torch, got 'gpu'\n"
    )
