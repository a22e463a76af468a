"""``python -m helpers video INPUT STYLE -o OUTPUT``: a clip stylised frame by frame (Ruder et al. 2016)."""

from __future__ import annotations

import argparse
import sys

from ..synthesis.settings import BEYOND, RUN, STYLIZE
from ..synthesis.video import STEPS, TEMPORAL_WEIGHT, stylize_video
from .common import EXIT_INTERRUPTED, add_beyond_options, add_options, add_run_options, option_values


def add_video_parser(sub) -> None:
    p = sub.add_parser(
        "video",
        help="stylise a video or a folder of frames without flicker (temporal loss, Ruder et al. 2016)",
        description=(
            "Stylise INPUT (a video file, or a folder of frames sorted by name) in the style of STYLE. "
            "Each frame after the first starts from the previous stylised frame warped by the optical "
            "flow and keeps close to it where the flow is consistent. OUTPUT is a folder (one PNG per "
            "input frame) or an .mp4/.gif (its frames kept in OUTPUT.frames/). Ctrl-C keeps every "
            "finished frame (exit 130); --resume continues."
        ),
    )
    p.add_argument("input", metavar="INPUT", help="a video file, or a folder of frames")
    p.add_argument("style", metavar="STYLE", help="the style image (file, URL or example name)")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="a folder, or OUT.mp4 / OUT.gif")
    p.add_argument(
        "--first-steps", type=int, metavar="N", help="steps for the first frame (default: 300, from noise)"
    )
    p.add_argument(
        "--temporal-weight",
        type=float,
        default=TEMPORAL_WEIGHT,
        metavar="GAMMA",
        help=f"weight of the temporal loss against the style loss's 1 (default: {TEMPORAL_WEIGHT:g})",
    )
    p.add_argument(
        "--independent",
        action="store_true",
        help="the baseline: every frame from noise with --first-steps and no temporal loss",
    )
    p.add_argument("--fps", type=float, help="frame rate of the output (default: the input's, 10 for frames)")
    p.add_argument("--frames", type=int, metavar="N", help="only the first N frames")
    p.add_argument("--resume", action="store_true", help="keep the frames already written and continue")
    p.add_argument("--force", action="store_true", help="start again over frames already written")
    add_options(p, STYLIZE)
    add_run_options(p, steps=STEPS, steps_help=f"{STEPS}, for each frame after the first")
    add_beyond_options(p)
    p.set_defaults(func=cmd_video)


def cmd_video(args: argparse.Namespace) -> int:
    options = option_values(args, RUN + STYLIZE + BEYOND)
    steps = options.pop("steps")
    result = stylize_video(
        args.input,
        args.style,
        args.output,
        steps=steps,
        first_steps=args.first_steps,
        temporal_weight=args.temporal_weight,
        independent=args.independent,
        fps=args.fps,
        frames=args.frames,
        resume=args.resume,
        overwrite=args.force,
        **options,
    )
    h, w = result.frames[0].shape[-2:] if result.frames else (0, 0)
    print(
        f"{result.message}: {args.output} ({w}x{h}, {result.fps:g} fps), "
        f"flicker {result.flicker:.3g}, {result.seconds_per_frame:.1f} s per frame"
    )
    if result.stopped:
        print(f"note: {result.message}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0
