"""The runner behind the panels: one job at a time in a background thread, the newest queued wins."""

from __future__ import annotations

import threading
import time

import pytest

from helpers.base.errors import SettingsError
from helpers.panels.runner import Job, Runner
from tests.panels.conftest import WAIT

pytestmark = pytest.mark.usefixtures("_quick")  # previews of 64 px x 4 steps, full runs 64 px x 8 steps


def test_runner_runs_one_job_at_a_time_and_the_newest_queued_wins():
    active, seen, lock = [0], [], threading.Lock()
    gate = threading.Event()

    def work(job):
        with lock:
            active[0] += 1
            seen.append((job.label, active[0]))
        if job.label == "first":
            assert gate.wait(WAIT)
        with lock:
            active[0] -= 1
        return job.label

    finished = []
    runner = Runner(on_finish=lambda job: finished.append((job.label, job.outcome, job.preempted)))
    assert runner.submit(Job(work, label="first")) == "started"
    assert runner.submit(Job(work, label="second")) == "queued"
    assert runner.submit(Job(work, label="third")) == "queued"
    assert not runner.wait(timeout=0.2)  # still busy
    gate.set()
    assert runner.wait(WAIT) and not runner.busy
    assert finished == [("first", "first", False), ("third", "third", False)]
    assert [n for _, n in seen] == [1, 1]


def test_runner_preempts_a_preview_and_reports_errors():
    started = threading.Event()

    def preview(job):
        started.set()
        while not job.stop_requested:
            time.sleep(0.01)
        return "stopped early"

    def failing(job):
        raise SettingsError("bad setting: fix it")

    done = []
    runner = Runner(on_finish=done.append)
    first = Job(preview, preemptible=True)
    runner.submit(first)
    assert started.wait(WAIT)
    runner.submit(Job(failing))
    assert runner.wait(WAIT)
    assert first.preempted and first.outcome == "stopped early"
    assert isinstance(done[1].error, SettingsError)
    assert runner.stop() is False
