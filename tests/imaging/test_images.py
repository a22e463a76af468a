"""Loading, converting, resizing and saving images."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

import helpers
from helpers.base.errors import ImageError, ImageNotFoundError
from helpers.imaging.images import TransparencyWarning, load_image, resize, save_image, to_pil
from tests import image_corpus as corpus


def _png(tmp_path, image: Image.Image, name="x.png"):
    path = tmp_path / name
    image.save(path)
    return path


def test_load_image_gives_rgb_floats_in_0_1(tmp_path):
    path = _png(tmp_path, Image.new("RGB", (80, 40), (255, 128, 0)))
    x = load_image(path)
    assert x.shape == (1, 3, 40, 80) and x.dtype == torch.float32
    assert x[0, :, 0, 0].tolist() == pytest.approx([1.0, 128 / 255, 0.0])


def test_size_is_the_longer_side(tmp_path):
    path = _png(tmp_path, Image.new("RGB", (300, 120)))
    assert load_image(path, size=100).shape[-2:] == (40, 100)
    path = _png(tmp_path, Image.new("RGB", (120, 300)), "tall.png")
    assert load_image(path, size=100).shape[-2:] == (100, 40)


def test_catalogue_names_load(images_dir):
    x = load_image("tubingen", size=128)
    assert x.shape == (1, 3, 96, 128)
    assert 0.2 < x.mean() < 0.8


def test_pil_numpy_and_tensor_sources():
    pil = Image.new("RGB", (40, 40), (0, 255, 0))
    assert load_image(pil)[0, 1].mean() == 1.0
    array = np.zeros((40, 50, 3), dtype=np.uint8)
    array[..., 2] = 255
    assert load_image(array).shape == (1, 3, 40, 50) and load_image(array)[0, 2].mean() == 1.0
    t = torch.rand(3, 40, 40)
    assert torch.equal(load_image(t)[0], t)


def test_grayscale_becomes_rgb(tmp_path):
    path = _png(tmp_path, Image.new("L", (40, 40), 200))
    x = load_image(path)
    assert x.shape == (1, 3, 40, 40) and torch.allclose(x[0, 0], x[0, 2])


def test_transparency_is_composited_on_white_with_a_warning(tmp_path):
    path = _png(tmp_path, Image.new("RGBA", (40, 40), (0, 0, 0, 0)))
    with pytest.warns(TransparencyWarning, match="white"):
        x = load_image(path)
    assert x.min() == 1.0


def test_exif_orientation_is_honoured(tmp_path):
    image = Image.new("RGB", (60, 40), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    path = tmp_path / "rotated.jpg"
    path.write_bytes(buffer.getvalue())
    assert load_image(path).shape[-2:] == (60, 40)


def test_too_small_images_explain_the_limit(tmp_path):
    path = _png(tmp_path, Image.new("RGB", (10, 100)))
    with pytest.raises(ImageError, match="at least 16 px"):
        load_image(path)


def test_missing_files_and_unknown_names(tmp_path):
    with pytest.raises(ImageNotFoundError, match="no such image file"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageNotFoundError, match="known names are tubingen"):
        load_image("mona_lisa")


def test_resize_is_antialiased_and_stays_in_range():
    checker = (torch.arange(64).view(1, -1) + torch.arange(64).view(-1, 1)) % 2
    image = checker.float().expand(1, 3, 64, 64)
    small = resize(image, 16)
    assert small.shape[-2:] == (16, 16)
    assert small.min() >= 0 and small.max() <= 1
    assert (small - 0.5).abs().max() < 0.05  # a fine checkerboard averages to grey, no aliasing


def test_save_and_reload_round_trip(tmp_path):
    x = torch.rand(1, 3, 40, 50)
    path = save_image(x, tmp_path / "deep" / "out.png")
    assert path.exists() and not list(path.parent.glob("*.part"))
    back = load_image(path)
    assert (back - x).abs().max() <= 0.5 / 255 + 1e-6


def test_to_pil_clamps():
    pil = to_pil(torch.tensor([2.0, -1.0, 0.5]).view(1, 3, 1, 1).expand(1, 3, 4, 4))
    assert pil.getpixel((0, 0)) == (255, 0, 128)


def test_show_returns_a_figure():
    fig = helpers.show(torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 48), titles=["a", "b"])
    assert len(fig.axes) == 2 and fig.axes[1].get_title() == "b"


def test_no_warning_for_plain_rgb(tmp_path):
    path = _png(tmp_path, Image.new("RGB", (40, 40)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_image(path)


def test_saved_files_get_the_usual_permissions(tmp_path):
    import os

    path = save_image(torch.rand(1, 3, 40, 40), tmp_path / "perm.png")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def _with_chunk(png: bytes, before: bytes, chunk: bytes) -> bytes:
    at = png.index(before) - 4  # the length field of the first `before` chunk
    return png[:at] + chunk + png[at:]


@pytest.mark.parametrize("before", [b"IDAT", b"IEND"], ids=["before the pixels", "after the pixels"])
def test_pillows_verify_catches_a_bad_crc_in_any_chunk(tmp_path, before):
    """The check is Pillow's ``verify()``, which reads every chunk up to IEND."""
    good = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(good, format="PNG")
    bad_text = corpus.png_chunk(b"tEXt", b"Comment\x00hello", crc=12345)
    data = _with_chunk(good.getvalue(), before, bad_text)
    if before == b"IEND":  # after the pixels, PIL's own decoding does not notice: hence verify()
        with Image.open(io.BytesIO(data)) as plain:
            plain.load()
    path = tmp_path / "text.png"
    path.write_bytes(data)
    for source in (path, data):
        with pytest.raises(ImageError, match=r"damaged PNG \(its 'tEXt' chunk fails its CRC check\)"):
            load_image(source)
    assert load_image(good.getvalue()).shape == (1, 3, 40, 40)  # the intact file loads
