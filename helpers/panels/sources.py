"""The style panel's images: the pickers' choices (the catalogue, images given to the panel,
uploads), their thumbnails, and uploads checked by the same loader as files.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as W

from ..base.errors import StyleTransferError, one_line
from ..imaging import catalog
from ..imaging.images import ImageSource, load_image
from .logic import png_bytes, read_upload
from .style_layout import DISPLAY_SIDE


class ImageSources:
    """The image half of :class:`~helpers.panels.style_panel.StylePanel` (a base class of it).

    ``self._sources`` maps each key the pickers show to its image source.
    """

    _sources: dict[str, ImageSource]

    def _picker_options(self) -> list[tuple[str, str]]:
        options = []
        for key in self._sources:
            try:
                entry = catalog.lookup(key)
                label = f"{entry.title} ({entry.artist.split()[-1]})"
            except StyleTransferError:
                label = key
            options.append((label, key))
        return options

    def _add_source(self, source: ImageSource, role: str) -> str:
        """Register an image source under a key the pickers show; returns the key."""
        if isinstance(source, str) and not source.startswith(("http://", "https://")) and "/" not in source:
            try:
                return catalog.lookup(source).name
            except StyleTransferError:
                pass
        key = f"{role}: {Path(source).name}" if isinstance(source, (str, Path)) else f"your {role} image"
        self._sources[key] = source
        if hasattr(self, "content_picker"):
            self._refresh_options()
        return key

    def _refresh_options(self) -> None:
        options = self._picker_options()
        for picker in (self.content_picker, self.style_picker):
            value = picker.value
            with self._quietly():
                picker.options = options
                picker.value = value

    def _show_source(self, picker: W.Dropdown, thumb: W.Image) -> None:
        try:
            thumb.value = png_bytes(load_image(self._sources[picker.value], 96))
        except StyleTransferError as exc:
            self._say(one_line(exc), error=True)

    def _show_start_image(self) -> None:
        try:
            image = load_image(self._sources[self.content_picker.value], DISPLAY_SIDE)
            self.image.value = png_bytes(image)
        except StyleTransferError as exc:
            self._say(one_line(exc), error=True)

    def _on_upload(self, change, picker: W.Dropdown, upload: W.FileUpload) -> None:
        if not change["new"]:
            return
        try:
            name, image, notes = read_upload(change["new"])
        except StyleTransferError as exc:
            self._say(one_line(exc), error=True)
        else:
            key = f"upload: {name}"
            self._sources[key] = image
            self._refresh_options()
            picker.value = key  # starts a preview when that is on
            note = f" ({'; '.join(notes)})" if notes else ""
            if not self.runner.busy:
                self._say(f"uploaded {name}: {image.shape[-1]}×{image.shape[-2]} px{note}")
        finally:
            with self._quietly():
                upload.value = ()  # the bytes are kept in the panel; let the same file be chosen again
