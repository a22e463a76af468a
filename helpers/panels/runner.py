"""One optimisation at a time, in a background thread, so the notebook's kernel stays responsive.

The interactive panels hand their runs to a :class:`Runner`. It never runs two jobs at once, so two
runs can never fight over the panel's output. A job asked for while another runs waits in a queue
of one place (the newest request wins); a *preemptible* job (a preview) is asked to stop early
when a newer request arrives, so the learner sees the effect of their latest change soon.

Nothing here knows about widgets: a job is a function of its :class:`Job` (which carries the
stop flag); the runner only sequences jobs and reports what happened through the job's hooks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Job:
    """A unit of work for the :class:`Runner`.

    Attributes:
        run: ``run(job)`` does the work and returns its outcome; it should look at
            ``job.stop_requested`` often (the panels raise ``StopOptimization`` from the
            optimiser's callback when it is set).
        preemptible: a newer request stops this job early instead of waiting for it.
        label: a short description for status lines.
        data: anything the owner wants to keep with the job (the settings it runs with).
    """

    run: Callable[[Job], Any]
    preemptible: bool = False
    label: str = ""
    data: Any = None
    requested_at: float = field(default_factory=time.perf_counter)
    started_at: float | None = None
    finished_at: float | None = None
    outcome: Any = None
    error: BaseException | None = None
    preempted: bool = False
    stop_event: threading.Event = field(default_factory=threading.Event)

    @property
    def stop_requested(self) -> bool:
        return self.stop_event.is_set()

    def timing(self, steps_run: int, superseded: bool) -> dict:
        """What a finished panel run measured: seconds to its first, second and last image."""
        refreshes = self.data["refreshes"]
        return {
            "mode": self.data["mode"],
            "size": self.data.get("size"),
            "steps": self.data.get("steps"),
            "steps_run": steps_run,
            "to_first_image_s": round(refreshes[0][1], 2) if refreshes else None,
            "to_second_image_s": round(refreshes[1][1], 2) if len(refreshes) > 1 else None,
            "to_finished_s": round(self.finished_at - self.requested_at, 2),
            "superseded": superseded,
        }


class Runner:
    """Runs :class:`Job` s one after another in a single background thread.

    ``on_start(job)`` and ``on_finish(job)`` are called from the worker thread around each job;
    ``on_finish`` sees ``job.outcome`` or ``job.error`` (the runner never lets an exception
    escape into the thread, where it would be printed as a traceback).
    """

    def __init__(
        self,
        on_start: Callable[[Job], None] | None = None,
        on_finish: Callable[[Job], None] | None = None,
    ) -> None:
        self.on_start = on_start
        self.on_finish = on_finish
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._current: Job | None = None
        self._pending: Job | None = None

    @property
    def current(self) -> Job | None:
        """The job running now, if any."""
        return self._current

    @property
    def pending(self) -> Job | None:
        """The job waiting for the current one to end, if any."""
        return self._pending

    @property
    def busy(self) -> bool:
        """True while a job runs or waits."""
        with self._lock:
            return self._thread is not None

    def submit(self, job: Job) -> str:
        """Run ``job`` now if idle, else queue it (replacing any queued job).

        Returns ``"started"`` or ``"queued"``. A preemptible job that is running is asked to
        stop, so the queued job starts as soon as the running one notices.
        """
        with self._lock:
            if self._thread is None:
                # The job is current from this moment, so a request right after it queues behind it.
                self._current = job
                self._thread = threading.Thread(
                    target=self._work, args=(job,), name="nst-runner", daemon=True
                )
                self._thread.start()
                return "started"
            if self._pending is not None:
                self._pending.preempted = True
            self._pending = job
            if self._current is not None and self._current.preemptible:
                self._current.preempted = True
                self._current.stop_event.set()
            return "queued"

    def stop(self) -> bool:
        """Stop the running job (it keeps what it has so far) and drop the queued one.

        Returns True when there was something to stop.
        """
        with self._lock:
            had = self._current is not None or self._pending is not None
            if self._pending is not None:
                self._pending.preempted = True
                self._pending = None
            if self._current is not None:
                self._current.stop_event.set()
            return had

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job runs or waits; False if ``timeout`` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while self._thread is not None:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _work(self, job: Job) -> None:
        while True:
            job.started_at = time.perf_counter()
            try:
                if self.on_start is not None:
                    self.on_start(job)
                job.outcome = job.run(job)
            except BaseException as exc:  # reported through on_finish, never as a thread traceback
                job.error = exc
            job.finished_at = time.perf_counter()
            try:
                if self.on_finish is not None:
                    self.on_finish(job)
            except Exception as exc:  # a failing hook must not kill the worker and strand the queue
                job.error = job.error or exc
            with self._lock:
                job, self._pending = self._pending, None
                self._current = job
                if job is None:
                    self._thread = None
                    self._idle.notify_all()
                    return
