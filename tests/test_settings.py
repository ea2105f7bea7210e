"""Settings: declared once, read from defaults, TOML, environment, overrides; bad values are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sistercities import settings
from sistercities.cli import main


def test_defaults() -> None:
    cfg = settings.load(environ={})
    assert cfg["PORT"] == 8080
    assert cfg["BASE_IRI"] == "https://w3id.org/twinning/"


def test_precedence(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('port = 9000\nworkers = 3\nbase_iri = "https://example.org/t/"\n')
    cfg = settings.load({"WORKERS": 5}, config_file=toml, environ={"SISTERCITIES_PORT": "9100"})
    assert (cfg["PORT"], cfg["WORKERS"], cfg["BASE_IRI"]) == (9100, 5, "https://example.org/t/")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("port = 'eighty'", "PORT must be a int"),
        ("colour = 1", "unknown setting 'colour'"),
        ("port = ", "c.toml"),
        ("base_iri = 'https://example.org/no-slash'", "BASE_IRI must end with"),
        ("shared_cache_admit = 0", "SHARED_CACHE_ADMIT must be at least 1"),
    ],
)
def test_bad_config_file(tmp_path: Path, toml: str, message: str) -> None:
    f = tmp_path / "c.toml"
    f.write_text(toml)
    with pytest.raises(settings.ConfigError, match=message):
        settings.load(config_file=f, environ={})


def test_cli_reports_bad_config(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "c.toml"
    f.write_text("port = 'x'")
    result = runner.invoke(main, ["--config", str(f), "settings"])
    assert result.exit_code != 0
    assert "PORT must be a int" in result.output
    assert "Traceback" not in result.output


def test_serve_help_lists_every_setting(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for s in settings.SETTINGS:
        assert s.name in result.output


def test_readme_lists_every_setting() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for s in settings.SETTINGS:
        assert f"`{s.name}`" in readme, f"README does not document {s.name}"
