"""The project's own promises: one environment description, clean notebooks, CI runs `make test`."""

from __future__ import annotations

import re

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from tests.conftest import ROOT


def _normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement.split("#")[0]).lower()


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_normalise(r) for r in project["dependencies"] + project["optional-dependencies"]["notebooks"]}
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    pip_lines = [line.strip()[2:] for line in lines[start + 1 :] if line.strip().startswith("- ")]
    listed = {_normalise(r) for r in pip_lines if not r.startswith("-e")}
    assert listed == wanted
    assert any(r.startswith("-e .") for r in pip_lines)


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*\bvenv\b", makefile, re.M)
    assert "pytest" in makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]


def _readme_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_readme_python_example_runs(tmp_path, monkeypatch, images_dir):
    """The README's package example, as printed, with a smaller size and step count."""
    (code,) = _readme_blocks("python")
    small = code.replace("size=256", "size=48").replace("steps=300", "steps=3")
    assert small != code, "the README example no longer names size=256 and steps=300"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(small, "README.md", "exec"), namespace)
    assert namespace["G"].shape == (1, 64, 64)
    assert (tmp_path / "out.png").is_file() and (tmp_path / "out.json").is_file()


def test_readme_command_lines_parse():
    """Every `python -m helpers …` line in the README names options the CLI has."""
    import shlex

    from helpers.cli import build_parser

    lines = [
        line.split("#")[0]
        for block in _readme_blocks("bash")
        for line in block.splitlines()
        if line.strip().startswith(("python -m helpers", "NST_MODE=quick python -m helpers"))
    ]
    assert len(lines) >= 8
    parser = build_parser()
    for line in lines:
        argv = shlex.split(line)
        argv = argv[argv.index("helpers") + 1 :]
        parser.parse_args(argv)  # an unknown option exits with status 2 and fails the test
