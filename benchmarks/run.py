"""Speed and memory benchmarks: they print figures; nothing here passes or fails on time.

    python -m benchmarks.run                       every section at full size
    python -m benchmarks.run compare absolute      chosen sections
    NST_MODE=quick python -m benchmarks.run        a smoke run with tiny sizes (CI runs this)

Run it from the project's root folder (``make bench`` does): ``-m`` puts that folder on the path,
so ``benchmarks`` and ``helpers`` import as packages, with no path edits.

Sections:
  compare   helpers.stylize against the tutorial structure (benchmarks/tutorial_baseline.py):
            same weights, layers, size, evaluations, device, process; interleaved repeats;
            median seconds per evaluation and the ratio; peak memory of each (own subprocess)
  absolute  seconds per evaluation at 128/256/512 px, peak resident memory at 512 px, FLOP rate
            against what the machine's convolutions reach on their own
  quality   wall-clock seconds to a fixed loss on Tübingen x Starry Night: L-BFGS vs Adam, and
            L-BFGS from a half-size start (coarse to fine)
  levers    what each speed lever is worth here (bf16, channels-last, frozen weights)
  precision does bf16 autocast change the picture? fp32 vs bf16 from one seed, judged by the fp32
            loss and by PSNR, against the difference that another noise seed makes
  evaluations  evaluations to a fixed loss at 256 px: L-BFGS's history size and line search, the
            starting image, coarse to fine over two and three scales, one change at a time
  goal      seconds to a good picture at 512 px: a plain fp32 L-BFGS loop against the package's
            levers one by one (precision, compiled kernels, coarse to fine) and its defaults
            (benchmarks/time_to_picture.py)
  large     the course's route to 1024 px (256 -> 512 -> 1024, 300/100/50 evaluations): seconds
            at each scale and peak memory, in a process of its own
  gpu       512 px, 500 L-BFGS evaluations, fp32 vs bf16 (only where CUDA is available)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

import helpers
from benchmarks import time_to_picture
from benchmarks import tutorial_baseline as tb
from benchmarks.time_to_picture import psnr
from helpers import choose
from helpers.core.objective import Objective, resolve_layer_weights
from helpers.core.optimize import optimize
from helpers.core.vgg import CAFFE_MEAN_BGR, CONTENT_LAYERS, LAYERS, STYLE_LAYERS

ROOT = Path(__file__).resolve().parents[1]

CONTENT, STYLE = "tubingen", "starry_night"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    threads = torch.get_num_threads()
    return f"{cpu}, {os.cpu_count()} logical CPUs, {threads} torch threads{gpu}; torch {torch.__version__}"


def _status_mib(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB on Linux


def peak_rss_mib() -> float:
    """This process's peak resident memory. (ru_maxrss would carry the parent's over a fork.)"""
    return _status_mib("VmHWM")


def rss_mib() -> float:
    return _status_mib("VmRSS")


def images(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    content = helpers.load_image(CONTENT, size)
    # the tutorial structure needs both images at one size (its loss modules see both)
    style = helpers.images.resize(helpers.load_image(STYLE, size), tuple(content.shape[-2:]))
    return content, style


def noise(shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (0.5 + 0.03 * torch.randn(shape, generator=g)).clamp(0, 1)


# --- the two contenders ------------------------------------------------------------------------


def baseline_setup(content: torch.Tensor, style: torch.Tensor, device: torch.device):
    """The tutorial structure with the Caffe weights (first conv flipped to take RGB input)."""
    # the weights of our own network (its ``convs``, one per conv layer): the same numbers
    net = helpers.vgg19("caffe", "max", "cpu")
    convs = [(conv.weight.detach().clone(), conv.bias.detach().clone()) for conv in net.convs.values()]
    w0, b0 = convs[0]
    convs[0] = (w0.flip(1), b0)  # BGR -> RGB input channels, so its features equal ours
    cnn = tb.torchvision_features_with(convs).to(device)
    mean = torch.tensor(CAFFE_MEAN_BGR[::-1], device=device) / 255
    std = torch.full((3,), 1 / 255, device=device)
    model, style_losses, content_losses = tb.build_model(cnn, mean, std, style.to(device), content.to(device))
    return model, style_losses, content_losses


def baseline_evaluations(setup, x0: torch.Tensor, evaluations: int) -> float:
    """Seconds for ``evaluations`` closure calls of the tutorial loop."""
    model, style_losses, content_losses = setup
    image = x0.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([image])
    calls = [0]

    def closure():
        with torch.no_grad():
            image.clamp_(0, 1)
        optimizer.zero_grad()
        model(image)
        loss = sum(sl.loss for sl in style_losses) * 1e6 + sum(cl.loss for cl in content_losses)
        loss.backward()
        calls[0] += 1
        return loss

    start = time.perf_counter()
    while calls[0] < evaluations:
        optimizer.param_groups[0]["max_eval"] = evaluations - calls[0]
        optimizer.step(closure)
    _sync(x0.device)
    return time.perf_counter() - start


def ours_setup(content, style, device, precision: str):
    net = helpers.vgg19("caffe", "avg", device)
    bf16 = precision == "bf16"
    return Objective(
        net,
        content.to(device),
        [style.to(device)],
        output_shape=tuple(content.shape[-2:]),
        content_layers=CONTENT_LAYERS,
        style_layers=STYLE_LAYERS,
        layer_weights=resolve_layer_weights(STYLE_LAYERS, None),
        alpha=1e-3,
        bf16=bf16,
    )


def ours_evaluations(objective, x0: torch.Tensor, evaluations: int) -> float:
    start = time.perf_counter()
    result = optimize(objective, x0.clone(), steps=evaluations, progress=False)
    _sync(x0.device)
    assert len(result.history) == evaluations
    return time.perf_counter() - start


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def native_precision(device: torch.device) -> str:
    from helpers.synthesis.stylize import use_bf16

    return "bf16" if use_bf16("auto", device) else "fp32"


# --- sections ----------------------------------------------------------------------------------


def section_compare(size: int, evaluations: int, repeats: int, device: torch.device) -> dict:
    content, style = images(size)
    x0 = noise(content.shape).to(device)
    fast = native_precision(device)
    contenders = {
        "tutorial structure (fp32)": (baseline_setup(content, style, device), baseline_evaluations),
        "helpers.stylize (fp32)": (ours_setup(content, style, device, "fp32"), ours_evaluations),
    }
    if fast != "fp32":
        contenders[f"helpers.stylize ({fast}, the default here)"] = (
            ours_setup(content, style, device, fast),
            ours_evaluations,
        )
    for setup, fn in contenders.values():  # warm-up: first calls pay for allocation and kernels
        fn(setup, x0, 2)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):  # interleaved, so drift in machine load hits all equally
        for name, (setup, fn) in contenders.items():
            times[name].append(fn(setup, x0, evaluations) / evaluations)
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["tutorial structure (fp32)"]
    print(f"\n## compare: {size} px, {evaluations} evaluations x {repeats} interleaved repeats, {device}")
    print(f"{'contender':42} {'s/eval (median)':>16} {'speed-up':>9} {'run memory':>11} {'peak RSS':>9}")
    memory = {
        name: _child_memory(kind, size, device) for name, kind in zip(contenders, ["baseline", "fp32", fast])
    }
    for name, m in medians.items():
        mem = memory[name]
        print(f"{name:42} {m:16.3f} {base / m:8.2f}x {mem['run_mib']:7.0f} MiB {mem['total_mib']:5.0f} MiB")
    print("run memory: peak resident memory above Python + torch + the loaded weights; peak RSS: all of it")
    return {"size": size, "median_s_per_eval": medians, "peak_rss_mib": memory}


def _child_memory(kind: str, size: int, device: torch.device) -> float:
    """Peak resident memory of one contender alone, in its own process, above the memory that
    Python, torch and the decoded weights take before either contender starts."""
    code = f"""
import torch, helpers
from benchmarks import run as b
helpers.vgg19("caffe", "avg", {str(device)!r})
content, style = b.images({size})
device = torch.device({str(device)!r})
x0 = b.noise(content.shape).to(device)
before = b.rss_mib()
if {kind!r} == "baseline":
    b.baseline_evaluations(b.baseline_setup(content, style, device), x0, 5)
else:
    b.ours_evaluations(b.ours_setup(content, style, device, {kind!r}), x0, 5)
print(b.peak_rss_mib() - before, b.peak_rss_mib())
"""
    # `python -c` in the root folder imports `benchmarks` as the parent process does
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    above, total = map(float, out.stdout.strip().splitlines()[-1].split())
    return {"run_mib": above, "total_mib": total}


def vgg_macs(shape: tuple[int, int], last: str = "conv5_1") -> int:
    """Multiply-accumulates of VGG19's convolutions up to ``last`` for one image of ``shape``."""
    h, w = shape
    macs, channels = 0, 3
    for name in LAYERS[: LAYERS.index(last) + 1]:
        if name.startswith("pool"):
            h, w = h // 2, w // 2
            continue
        out = helpers.vgg.CHANNELS[name]
        macs += h * w * out * channels * 9
        channels = out
    return macs


def conv_peak_flops(device: torch.device, bf16: bool) -> float:
    """The best FLOP/s the machine's convolution routine reaches on VGG-sized layers on its own."""
    best = 0.0
    for channels, side in [(64, 128), (256, 64), (512, 32)]:
        x = torch.randn(1, channels, side, side, device=device)
        conv = torch.nn.Conv2d(channels, channels, 3, padding=1).to(device).requires_grad_(False)
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            for _ in range(2):
                conv(x)
            _sync(device)
            start, n = time.perf_counter(), 5
            for _ in range(n):
                conv(x)
            _sync(device)
        seconds = (time.perf_counter() - start) / n
        best = max(best, 2 * side * side * channels * channels * 9 / seconds)
    return best


def section_absolute(sizes: list[int], evaluations: int, device: torch.device) -> dict:
    fast = native_precision(device)
    print(f"\n## absolute: {evaluations} evaluations per size, {device}, precision {fast}")
    print(f"{'size':>6} {'s/eval':>8} {'GFLOP/eval':>11} {'GFLOP/s':>9} {'of conv peak':>13}")
    peak = conv_peak_flops(device, fast == "bf16")
    rows = {}
    for size in sizes:
        content, style = images(size)
        objective = ours_setup(content, style, device, fast)
        x0 = noise(content.shape).to(device)
        ours_evaluations(objective, x0, 2)
        per_eval = ours_evaluations(objective, x0, evaluations) / evaluations
        # forward plus the backward pass to the input (no weight gradients): 2 x 2 x MACs
        flops = 4 * vgg_macs(tuple(content.shape[-2:]))
        rate = flops / per_eval
        rows[size] = {"s_per_eval": per_eval, "gflop_per_eval": flops / 1e9, "gflops": rate / 1e9}
        print(f"{size:6d} {per_eval:8.3f} {flops / 1e9:11.1f} {rate / 1e9:9.1f} {rate / peak:12.0%}")
    print(f"conv peak on its own: {peak / 1e9:.1f} GFLOP/s ({fast})")
    big = max(sizes)
    rss = _child_memory(fast, big, device)
    print(
        f"peak resident memory at {big} px: {rss['total_mib']:.0f} MiB for the whole process "
        f"({rss['run_mib']:.0f} MiB above Python, torch and the weights)"
    )
    return {"rows": rows, "conv_peak_gflops": peak / 1e9, f"peak_rss_mib_{big}": rss}


def section_quality(size: int, steps: int, device: torch.device) -> dict:
    """Seconds to reach the loss that L-BFGS has after ``steps`` evaluations (x 1.05)."""
    print(f"\n## quality: seconds to a fixed loss, {CONTENT} x {STYLE}, {size} px, {device}")
    runs = {
        "L-BFGS": helpers.stylize(CONTENT, STYLE, size=size, steps=steps, progress=False, device=device),
        "Adam (lr 0.02)": helpers.stylize(
            CONTENT, STYLE, size=size, steps=2 * steps, optimizer="adam", progress=False, device=device
        ),
    }
    half = max(48, size // 2)
    runs[f"L-BFGS, {half} px then {size} px"] = helpers.stylize(
        CONTENT, STYLE, scales=[half, size], steps=[steps, steps], progress=False, device=device
    )
    target = 1.05 * runs["L-BFGS"].final["total"]
    print(f"target: total loss <= {target:.4g} (L-BFGS's after {steps} evaluations, +5%)")
    out = {}
    for name, result in runs.items():
        # only losses at the final size count (a smaller image has a smaller content loss)
        final = [h for h in result.history if h.get("size", size) == size]
        hit = next((h for h in final if h["total"] <= target), None)
        out[name] = None if hit is None else hit["seconds"]
        when = "not reached" if hit is None else f"{hit['seconds']:.1f} s (evaluation {hit['step']})"
        best = min(h["total"] for h in final)
        print(f"{name:28} {when}; best {best:.4g} after {len(result.history)} evaluations")
    return {"target": target, "seconds": out}


def section_levers(size: int, evaluations: int, device: torch.device) -> dict:
    """One lever at a time, against our fp32 loop; interleaved repeats, median."""
    content, style = images(size)
    x0 = noise(content.shape).to(device)
    net = helpers.vgg19("caffe", "avg", device)
    layout = next(net.parameters()).is_contiguous(memory_format=torch.channels_last)

    threads = torch.get_num_threads()

    def setup(
        precision: str,
        *,
        channels_last: bool = layout,
        frozen: bool = True,
        n_threads: int = threads,
        flush_denormal: bool = False,
    ):
        def prepare():
            net.to(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
            net.requires_grad_(not frozen)  # not frozen: what the usual structure does
            torch.set_num_threads(n_threads)
            torch.set_flush_denormal(flush_denormal)
            return ours_setup(content, style, device, precision)

        return prepare

    levers = {"fp32 (channels-last, frozen weights: the default layout)": setup("fp32")}
    if native_precision(device) == "bf16" or device.type == "cuda":
        levers["bf16 autocast (the default precision here)"] = setup("bf16")
        levers["bf16, contiguous (no channels-last)"] = setup("bf16", channels_last=False)
    levers["fp32, contiguous (no channels-last)"] = setup("fp32", channels_last=False)
    levers["fp32, weights NOT frozen"] = setup("fp32", frozen=False)
    if device.type == "cpu":
        levers["fp32, denormals flushed to zero"] = setup("fp32", flush_denormal=True)
        if threads > 1:
            fewer = threads // 2
            levers[f"fp32, {fewer} thread(s) instead of {threads}"] = setup("fp32", n_threads=fewer)
    times: dict[str, list[float]] = {label: [] for label in levers}
    try:
        for _ in range(3):
            for label, prepare in levers.items():
                objective = prepare()
                ours_evaluations(objective, x0, 2)
                times[label].append(ours_evaluations(objective, x0, evaluations) / evaluations)
    finally:
        net.to(memory_format=torch.channels_last if layout else torch.contiguous_format)
        net.requires_grad_(False)
        torch.set_num_threads(threads)
        torch.set_flush_denormal(False)
    results = {label: statistics.median(t) for label, t in times.items()}
    base = next(iter(results.values()))
    print(f"\n## levers: {size} px, {evaluations} evaluations, median of 3 interleaved, {device}")
    for label, t in results.items():
        print(f"{label:58} {t:7.3f} s/eval  ({base / t:.2f}x of the first)")
    return results


def section_precision(size: int, steps: int, device: torch.device, out: Path | None) -> dict:
    """Does bf16 autocast change the picture? fp32 vs bf16 from one seed, against seed-to-seed."""
    if native_precision(device) != "bf16" and device.type != "cuda":
        print("\n## precision: no native bf16 here; nothing to compare")
        return {}
    runs = {
        "fp32, seed 0": dict(precision="fp32", seed=0),
        "bf16, seed 0": dict(precision="bf16", seed=0),
        "fp32, seed 1": dict(precision="fp32", seed=1),
    }
    results = {
        name: helpers.stylize(CONTENT, STYLE, size=size, steps=steps, progress=False, device=device, **kw)
        for name, kw in runs.items()
    }
    # Judge every final image by one yardstick: the fp32 objective.
    content, style = helpers.load_image(CONTENT, size), helpers.load_image(STYLE, size)
    judge = ours_setup(content, style, device, "fp32")
    with torch.no_grad():
        losses = {name: judge(r.image.to(device))[0].item() for name, r in results.items()}
    a, b, c = (r.image for r in results.values())
    print(f"\n## precision: {size} px, {steps} L-BFGS evaluations, {device}")
    for name, r in results.items():
        print(f"{name:14} {r.seconds:6.1f} s, final loss (fp32 objective) {losses[name]:.5g}")
    print(f"PSNR fp32 vs bf16, same seed: {psnr(a, b):.1f} dB; fp32 seed 0 vs seed 1: {psnr(a, c):.1f} dB")
    if out is not None:
        helpers.save_image(torch.cat([a, b, c], dim=-1), out)
        print(f"side by side (fp32 seed 0 | bf16 seed 0 | fp32 seed 1): {out}")
    return {"losses": losses, "psnr_fp32_bf16_db": psnr(a, b), "psnr_seed0_seed1_db": psnr(a, c)}


def section_gpu(size: int, evaluations: int) -> dict:
    """fp32 eager against the defaults (bf16, compile automatic), then bf16 compiled once warm."""
    if not torch.cuda.is_available():
        print("\n## gpu: no CUDA device here; nothing measured")
        return {}
    device = torch.device("cuda")
    routes = {
        "fp32, eager": dict(precision="fp32", compile=False),
        "defaults (precision and compile automatic)": {},
        "bf16, compiled (warm-up timed apart)": dict(precision="bf16", compile=True),
    }
    out, images_ = {}, {}
    print(f"\n## gpu: {size} px, {evaluations} L-BFGS evaluations, {torch.cuda.get_device_name()}")
    for name, options in routes.items():
        run = dict(size=size, progress=False, device=device, **options)
        torch.cuda.synchronize()
        start = time.perf_counter()
        helpers.stylize(CONTENT, STYLE, steps=5, **run)  # warm-up: allocation, kernels, compilation
        torch.cuda.synchronize()
        warm = time.perf_counter() - start
        start = time.perf_counter()
        result = helpers.stylize(CONTENT, STYLE, steps=evaluations, **run)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        out[name] = {"seconds": seconds, "warm_up_s": warm, "final_total": result.final["total"]}
        out[name].update(precision=result.settings["precision"], compiled=result.settings["compile"])
        images_[name] = result.image
        print(f"{name:44} {seconds:7.2f} s (warm-up run {warm:.1f} s), loss {result.final['total']:.4g}")
    first, *others = images_.values()
    out["psnr_vs_fp32_db"] = {name: psnr(first, img) for name, img in zip(list(routes)[1:], others)}
    print(json.dumps(out["psnr_vs_fp32_db"]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "sections",
        nargs="*",
        default=[
            *("compare", "absolute", "quality", "levers", "precision"),
            *("evaluations", "goal", "large", "gpu"),
        ],
    )
    parser.add_argument("--picture", type=Path, help="precision: write fp32 | bf16 | other-seed side by side")
    parser.add_argument("--goal-picture", type=Path, help="goal: write every route's picture side by side")
    parser.add_argument("--large-picture", type=Path, help="large: write the 1024 px picture here")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    device = helpers.base.config.resolve_device(args.device)
    print(f"# machine: {machine()}")
    print(f"# quick mode: {helpers.quick_mode()}")
    found = {}
    for section in args.sections:
        if section == "compare":
            found[section] = section_compare(choose(256, 64), choose(20, 3), choose(5, 1), device)
        elif section == "absolute":
            found[section] = section_absolute(choose([128, 256, 512], [64]), choose(10, 2), device)
        elif section == "quality":
            found[section] = section_quality(choose(256, 96), choose(300, 5), device)
        elif section == "levers":
            found[section] = section_levers(choose(256, 48), choose(10, 2), device)
        elif section == "precision":
            found[section] = section_precision(choose(256, 64), choose(300, 5), device, args.picture)
        elif section == "evaluations":
            found[section] = time_to_picture.section_evaluations(choose(256, 128), choose(300, 6), device)
        elif section == "goal":
            found[section] = time_to_picture.section_goal(
                choose(512, 64), choose(300, 6), device, args.goal_picture
            )
        elif section == "large":
            found[section] = time_to_picture.section_large(
                choose([256, 512, 1024], [48, 64]), choose([300, 100, 50], [3, 2]), device, args.large_picture
            )
        elif section == "gpu":
            found[section] = section_gpu(choose(512, 64), choose(500, 5))
        else:
            parser.error(f"unknown section {section!r}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), **found}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except helpers.StyleTransferError as error:  # e.g. offline without NST_IMAGES: one line, not a traceback
        sys.exit(f"error: {error}")
