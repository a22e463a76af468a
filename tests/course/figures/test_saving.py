"""A figure's provenance: the command line saved beside it regenerates the same settings."""

from __future__ import annotations

from helpers import figures


def test_regenerate_command_parses_back_to_the_same_settings():
    from helpers.cli import build_parser

    run = {"size": 96, "steps": 50, "seed": 3, "weights": "caffe", "precision": "bf16", "device": "cpu"}
    command = figures.regenerate_command("3", run)
    args = build_parser().parse_args(command.split()[3:])
    assert (args.figure, args.size, args.steps, args.seed) == ("3", 96, 50, 3)
    assert (args.weights, args.precision, args.device) == ("caffe", "bf16", "cpu")
    assert "--gallery" in figures.regenerate_command("gallery", run)
