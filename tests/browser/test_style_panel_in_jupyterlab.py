"""The style panel in a real browser: headless Chromium drives JupyterLab 4 and ipywidgets 8.

Starts JupyterLab on 127.0.0.1 (a free port, a random token, its own config, data and runtime
folders), opens notebook 08 in Debian's Chromium through Playwright, runs every cell under
``NST_QUICK=1``, sends a bad upload, moves the alpha/beta slider, clicks *Run full size*, and checks
that the displayed image changed, the loss plot appeared and the slider's value reached the run.
Screenshots and timings go to ``tests/artifacts/browser/`` (ignored by git).

Enable it with Debian's Chromium (``make chromium``, or ``sudo apt-get install chromium``) and
Playwright for Python (``pip install playwright``; it never downloads a browser here). Run it alone
with ``pytest -m browser``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM, chromium, free_port, http_status
from tests.conftest import ARTIFACTS, ROOT

NOTEBOOK = ROOT / "notebooks" / "08_tradeoffs.ipynb"
OUT = ARTIFACTS / "browser"
# The machine may be shared and slow: generous waits, while pytest-timeout ends a stalled run.
SLOW_MS = 420_000


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return (
            f"no Chromium at {CHROMIUM}: install Debian's with `make chromium` "
            "(or `sudo apt-get install chromium`), or set CHROMIUM=/path/to/chromium"
        )
    for module, how in (("playwright", "pip install playwright"), ("jupyterlab", "pip install jupyterlab")):
        if importlib.util.find_spec(module) is None:
            return f"the browser test needs {module}: `{how}` (Playwright uses the system Chromium)"
    return None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(900),
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
]
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory):
    """JupyterLab on a free loopback port with a token; yields (base_url, token)."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    config = root / ".jupyter_config"
    (config / "labconfig").mkdir(parents=True)
    # No "get notified about Jupyter news?" toast over the notebook.
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    # Render every cell (JupyterLab 4 otherwise detaches cells scrolled out of view).
    settings = config / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTERLAB_SETTINGS_DIR=str(config / "lab" / "user-settings"),
        JUPYTER_DATA_DIR=str(root / ".jupyter_data"),
        JUPYTER_RUNTIME_DIR=str(root / ".jupyter_runtime"),
        IPYTHONDIR=str(root / ".ipython"),
        NST_QUICK="1",  # the kernel inherits it: tiny images and few steps
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    )
    port, token = free_port(), secrets.token_hex(16)
    log_path = root / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI containers run as root
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    start = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"jupyter lab exited {proc.returncode}:\n{log_path.read_text()[-3000:]}"
                    )
                try:
                    if http_status(f"{base}/api/status?token={token}") == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"jupyter lab did not answer within 120 s:\n{log_path.read_text()[-3000:]}"
                    )
                time.sleep(0.2)
            TIMINGS["server_ready_s"] = round(time.monotonic() - start, 1)
            yield base, token
        finally:
            if proc.poll() is None:  # the REST shutdown also stops the kernels it started
                try:
                    http_status(f"{base}/api/shutdown?token={token}", method="POST")
                    proc.wait(timeout=30)
                except Exception:
                    proc.terminate()  # our own PID only
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
            OUT.mkdir(parents=True, exist_ok=True)
            shutil.copy(log_path, OUT / "server.log")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile"), width=1400, height=1500) as context:
        yield context


def _src(page, selector: str) -> str | None:
    return page.locator(selector).first.get_attribute("src")


def test_panel_in_jupyterlab_slider_run_image_and_loss_plot(jupyter_server, browser, tmp_path):
    from playwright.sync_api import expect

    base, token = jupyter_server
    OUT.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()

    def mark(name: str) -> None:
        TIMINGS[name] = round(time.monotonic() - start, 1)

    page = browser.new_page()
    page.set_default_timeout(SLOW_MS)
    expect.set_options(timeout=SLOW_MS)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # 1. Open the notebook; wait for a kernel that is really there and idle.
    page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}")
    page.locator(".jp-NotebookPanel").first.wait_for()
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Python 3 (ipykernel) | Idle")
    mark("kernel_idle_s")

    # 2. Run > Run All Cells; the last code cell prints the panel's preview timing.
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    expect(page.locator(".jp-OutputArea-output", has_text="to_finished_s")).to_be_visible()
    panel = page.locator(".nst-panel")
    expect(panel).to_be_visible()
    expect(page.locator("img.nst-image")).to_be_visible()
    expect(page.locator(".nst-status")).to_contain_text("finished 4 steps")
    mark("all_cells_ran_s")
    panel.scroll_into_view_if_needed()
    image_before = _src(page, "img.nst-image")
    assert image_before and image_before.startswith("blob:")
    panel.screenshot(path=str(OUT / "panel_before.png"))

    # 3. A file that is not an image: the loaders' one-line message, in the panel.
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not an image")
    # ipywidgets' FileUpload opens a file input that is not in the page: answer its file chooser.
    with page.expect_file_chooser() as chooser:
        page.locator("button.nst-upload-content").click()
    chooser.value.set_files(str(bad))
    expect(page.locator(".nst-status")).to_contain_text("notes.txt is not an image PIL can read")
    assert "Traceback" not in page.locator(".nst-status").inner_text()

    # 4. Move alpha/beta two steps right (1e-4 -> 10^-3.5); the change starts a preview.
    handle = page.locator(".nst-ratio .noUi-handle")
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".nst-ratio .widget-readout")).to_have_text("3.2e-4")
    # The browser holds back a slider update while the kernel answers the previous one, but sends
    # a click at once: wait until the kernel has the new value (the status names it).
    expect(page.locator(".nst-status")).to_contain_text("α/β=3.2e-04")
    mark("slider_moved_s")

    # 5. Run full size (it replaces the preview) and wait for it to finish.
    page.locator("button.nst-run").click()
    expect(page.locator(".nst-status")).to_contain_text("full with α/β=3.2e-04")
    expect(page.locator(".nst-status")).to_contain_text("finished 8 steps")
    mark("full_run_finished_s")
    expect(page.locator("img.nst-image")).not_to_have_attribute("src", image_before)
    losses = page.locator("img.nst-losses")
    expect(losses).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", losses.element_handle()) > 100
    # The slider's value reached stylize: the newest thumbnail's caption names the run's ratio.
    newest = page.locator(".nst-thumb-caption").first
    expect(newest).to_contain_text("α/β=3.2e-04")
    expect(newest).to_contain_text("64 px × 8 steps")
    expect(page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle"
    )

    # 6. Screenshots: the whole panel, and the viewport.
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(OUT / "panel_after.png"))
    page.screenshot(path=str(OUT / "viewport_after.png"))
    mark("browser_part_s")
    (OUT / "timings.json").write_text(json.dumps(TIMINGS, indent=1))
    assert (OUT / "panel_after.png").stat().st_size > 20_000
    assert not errors, errors
