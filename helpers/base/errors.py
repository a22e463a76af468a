"""User-facing errors: one line that says what went wrong and what to do.

Every error the package raises on purpose is a :class:`StyleTransferError`. The CLI prints
its message without a traceback, and :func:`helpers.notebook_setup` teaches IPython to do
the same in a notebook. The subclasses also derive from the built-in exception a Python
programmer would expect (``ValueError`` for a bad argument, ``FileNotFoundError`` for a
missing file), so ``except ValueError`` keeps working.
"""

from __future__ import annotations


class StyleTransferError(Exception):
    """Base class of the package's one-line errors."""


class SettingsError(StyleTransferError, ValueError):
    """A bad argument: unknown layer, negative weight, impossible size, unknown device."""


class ImageError(StyleTransferError, ValueError):
    """An image that cannot be used: unreadable, truncated, too small, too large."""


class ImageNotFoundError(StyleTransferError, FileNotFoundError):
    """A path, catalogue name or URL that leads to no image."""


class DownloadError(StyleTransferError, OSError):
    """A download that failed or did not match its checksum."""


class WeightsError(StyleTransferError, RuntimeError):
    """Network weights that are missing, corrupt or cannot be downloaded."""


class TransparencyWarning(UserWarning):
    """An image had an alpha channel; its transparent parts were composited on white."""


class UpscaleWarning(UserWarning):
    """An input was enlarged more than twice its size to reach the size asked for: expect blur."""


class CompileWarning(UserWarning):
    """torch.compile failed on this machine (no C++ compiler, an unsupported platform): eager it is."""


class StopOptimization(Exception):  # noqa: N818 - reads like StopIteration, which it mirrors
    """Raise from a ``stylize`` callback to end the run early and keep the best image."""


def one_line(exc: BaseException, *, typed: bool = False) -> str:
    """An exception as one line for a learner: the first line of its message.

    The package's own errors already say what to do, so they are shown as they are (with their
    type in front when ``typed``); any other exception gets its type in front, since its message
    alone may not say what went wrong (``KeyError: 'conv9_9'``).
    """
    text = str(exc).strip()
    text = text.splitlines()[0].strip() if text else ""
    if isinstance(exc, StyleTransferError) and not typed:
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
