"""The run options, declared once: every option reaches the CLI, the panel and the saved JSON
(or says why not), stylize's signature follows the declaration, and checks are one line."""

from __future__ import annotations

import dataclasses
import inspect
import json

import pytest

import helpers
from helpers import cli
from helpers.base.errors import SettingsError
from helpers.synthesis.settings import Cli, Control, Settings, controls, options

COMMANDS = {"run": ("stylize", "texture", "figures"), "stylize": ("stylize",), "beyond": ("stylize",)}
COMMANDS["texture"] = ("texture",)
POSITIONAL = {
    "stylize": ["c.png", "s.png", "-o", "o.png"],
    "texture": ["s.png", "-o", "o.png"],
    "figures": [],
}


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    monkeypatch.setenv("NST_QUICK", "1")


def test_every_option_says_where_it_appears():
    names = [opt.name for opt in options()]
    assert names == [f.name for f in dataclasses.fields(Settings)] and len(set(names)) == len(names)
    for opt in options():
        assert opt.help and not opt.help.endswith("."), opt.name  # the docstring adds the full stop
        for surface in (opt.cli, opt.panel, opt.saved):
            # a spec for the surface, or a reason why the option is not there
            assert isinstance(surface, (Cli, Control)) or callable(surface) or surface.strip(), opt.name


@pytest.mark.parametrize("opt", [o for o in options() if isinstance(o.cli, Cli)], ids=lambda o: o.name)
def test_every_cli_option_reaches_the_parser_and_the_settings(opt):
    spec: Cli = opt.cli
    parser = cli.build_parser()
    for group in spec.commands:
        for command in COMMANDS[group]:
            typed = [spec.flag] if spec.action == "store_true" else [spec.flag, spec.example]
            args = parser.parse_args([command, *POSITIONAL[command], *typed])
            value = cli.option_values(args, (group,))[opt.name]
            assert value != opt.default, (command, opt.name)
            settings = Settings.of(**{opt.name: value})  # the typed value passes the option's check
            assert getattr(settings, opt.name) != opt.default
            defaults = cli.option_values(parser.parse_args([command, *POSITIONAL[command]]), (group,))
            if command != "figures":  # figures keeps size and steps open: each figure has its own
                assert defaults[opt.name] == opt.default


def test_the_stylize_command_has_a_flag_for_every_cli_option_and_nothing_hand_written():
    parser = cli.build_parser()
    stylize = parser._subparsers._group_actions[0].choices["stylize"]
    outputs = {"output", "force", "animation", "animation_every"}  # where files go, not what is computed
    dests = {a.dest for a in stylize._actions} - {"help", "content", "style", *outputs}
    declared = {o.name for o in options() if isinstance(o.cli, Cli) and set(o.cli.commands) - {"texture"}}
    assert dests == declared


@pytest.fixture
def panel(content64, style64, tmp_path):
    panel = helpers.StylePanel(
        content64, style64, weights=None, device="cpu", save_dir=tmp_path, auto_preview=False
    )
    yield panel
    panel.stop()
    panel.wait(60)


def _change(control: Control, widgets) -> None:
    """Move a control as a learner would, to a value other than its current one."""
    if control.kind == "switches":
        widgets["conv3_1"].value = not widgets["conv3_1"].value
    elif control.kind == "layer_sliders":
        widgets["conv1_1"].value = 0.55
    elif control.kind in ("toggle", "dropdown"):
        widgets.value = next(o for o in control.options if o != widgets.value)
    elif control.kind == "log_slider":
        widgets.value = widgets.value * 10 if widgets.value * 10 <= control.hi else widgets.value / 10
    else:
        widgets.value = widgets.value + int(control.step) if widgets.value < control.hi else widgets.value - 1


@pytest.mark.parametrize("name", [opt.name for opt, _ in controls()])
def test_every_panel_control_reaches_stylize_and_the_panels_settings(panel, name):
    opt, control = next((o, c) for o, c in controls() if o.name == name)
    widgets = panel.controls[control.field]
    assert getattr(panel, control.attr or control.field) is widgets
    before = panel.settings()
    kwargs_before = helpers.panels.logic.stylize_kwargs(before, panel._sources, weights=None)
    _change(control, widgets)
    after = panel.settings()
    kwargs = helpers.panels.logic.stylize_kwargs(after, panel._sources, weights=None)
    assert kwargs[name] != kwargs_before[name]
    assert kwargs[name] == control.value_for(after)
    Settings.of(**{name: kwargs[name]})  # the panel's value passes the option's check
    # the panel's settings, as JSON and back, and apply() restores the controls
    assert helpers.panels.logic.PanelSettings.from_dict(json.loads(json.dumps(after.to_dict()))) == after
    panel.apply(before, preview=False)
    assert panel.settings() == before


def test_panel_settings_have_a_field_per_control_and_the_panel_locks_them_all(panel):
    fields = list(helpers.panels.logic.PanelSettings.__dataclass_fields__)
    assert fields == ["content", "style", *[c.field for _, c in controls()]]
    for _, control in controls():
        widgets = panel.controls[control.field]
        for widget in widgets.values() if isinstance(widgets, dict) else [widgets]:
            assert widget in panel._setting_widgets


def test_every_saved_option_reaches_the_json_beside_the_image(tmp_path, content64, style64):
    run = Settings.of(size=48, steps=2, weights=None, device="cpu", progress=False)
    result = helpers.synthesis.stylize.run(content64, style64, run)
    path = result.save(tmp_path / "x.png")
    saved = json.loads(path.with_suffix(".json").read_text())["settings"]
    for opt in options():
        if opt.saved == "plain" or callable(opt.saved) or opt.saved == "resolved":
            assert opt.name in saved, opt.name
        else:
            assert opt.name not in saved, opt.name
    assert {k: saved[k] for k in run.saved()} == run.saved()
    assert (saved["size"], saved["lr"], saved["device"], saved["scales"]) == (48, 1.0, "cpu", None)


def test_stylize_signature_and_docstring_follow_the_declaration():
    params = inspect.signature(helpers.stylize).parameters
    assert list(params) == ["content", "style", *[o.name for o in options()]]
    assert all(params[o.name].default is o.default or params[o.name].default == o.default for o in options())
    for opt in options():
        assert f"{opt.name}: " in helpers.stylize.__doc__
    assert "faint noise" in helpers.stylize.__doc__ and "white noise" not in helpers.stylize.__doc__


def test_a_misspelt_option_names_the_nearest(content64, style64):
    with pytest.raises(SettingsError, match="unknown option 'ration': did you mean ratio"):
        helpers.stylize(content64, style64, ration=1e-3)


def test_a_copy_is_checked_too():
    settings = Settings(ratio=1e-4)
    assert dataclasses.replace(settings, steps=5).steps == 5
    with pytest.raises(SettingsError, match="ratio"):
        dataclasses.replace(settings, ratio=-1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.ratio = 1.0


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"save_every": -1}, "save_every must be a whole number of at least 0"),
        ({"seed": 1.5}, "seed must be a whole number"),
        ({"callback": 3}, "callback must be a function"),
        ({"style_masks": ["m.png"]}, "style_masks need masks"),
        ({"scales": [64, 32]}, "increasing"),
    ],
)
def test_new_checks_are_one_line(kwargs, needle):
    with pytest.raises(SettingsError, match=needle) as info:
        Settings.of(**kwargs)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------- the option added last: save_every
def test_save_every_writes_frames_whose_steps_run_on_across_scales(tmp_path, content64, style64):
    seen = []
    helpers.stylize(
        content64,
        style64,
        scales=[48, 64],
        steps=2,
        weights=None,
        device="cpu",
        progress=False,
        save_every=1,
        save_prefix=str(tmp_path / "frames" / "run"),
        callback=lambda step, image, losses: seen.append(step),
    )
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == [f"run_step{k:04d}.png" for k in (1, 2, 3, 4)] and seen == [1, 2, 3, 4]
    assert helpers.load_image(tmp_path / "frames" / "run_step0004.png").shape[-1] == 64


def test_save_every_on_the_command_line_names_frames_after_the_output(tmp_path, content64, style64, capsys):
    helpers.save_image(content64, tmp_path / "c.png")
    helpers.save_image(style64, tmp_path / "s.png")
    out = tmp_path / "out.png"
    argv = ["stylize", str(tmp_path / "c.png"), str(tmp_path / "s.png"), "-o", str(out)]
    status = cli.main([*argv, "--size", "48", "--steps", "4", "--save-every", "2", "--weights", "none"])
    assert status == 0, capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.glob("out_step*.png")) == ["out_step0002.png", "out_step0004.png"]
    settings = json.loads(out.with_suffix(".json").read_text())["settings"]
    assert settings["save_every"] == 2 and settings["save_prefix"] == str(tmp_path / "out")
