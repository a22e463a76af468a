"""A corpus of unusual and broken image files, made on the fly: nothing is downloaded or committed.

Every maker returns the file's bytes, so a test can write it to ``tmp_path`` (a path source) and
hand the same bytes to ``load_image`` (an upload). :func:`serve` runs a local HTTP server that
answers with good files, truncated bodies, web pages or 404s, a stand-in for the internet.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import struct
import threading
import zlib
from collections.abc import Callable, Iterator

import numpy as np
from PIL import Image

W, H = 80, 60
RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def gradient(w: int = W, h: int = H) -> np.ndarray:
    """0..255 from left to right, the same on every row (uint8, H x W)."""
    return np.tile(np.linspace(0, 255, w).round().astype(np.uint8), (h, 1))


def colour_image(w: int = W, h: int = H) -> Image.Image:
    """A photo stand-in: red-green gradients and a blue square (RGB)."""
    g = gradient(w, h)
    array = np.stack([g, g[:, ::-1], np.full_like(g, 60)], axis=-1)
    array[10:30, 10:30] = BLUE
    return Image.fromarray(array, "RGB")


def noise_image(w: int = 200, h: int = 150, seed: int = 0) -> Image.Image:
    """Random pixels: they do not compress, so a truncated file really lacks image data."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")


# -- PNG by hand, for 16-bit colour, bad checksums and lying headers ------------------------------


def png_chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc & 0xFFFFFFFF)


def png_file(width: int, height: int, bit_depth: int, colour_type: int, raw: bytes) -> bytes:
    """A PNG from raw scanlines (each starting with filter byte 0)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def rgb16_png(w: int = 40, h: int = 40) -> bytes:
    """16-bit RGB: R rises 0..65535 across, G falls, B is 32768 (half) everywhere."""
    row = b"".join(
        struct.pack(">HHH", round(65535 * x / (w - 1)), 65535 - round(65535 * x / (w - 1)), 32768)
        for x in range(w)
    )
    return png_file(w, h, 16, 2, (b"\x00" + row) * h)


def gray16_png(w: int = W, h: int = H) -> bytes:
    """16-bit grayscale rising 0..65535 across: PIL's plain convert("RGB") would clip it to white."""
    values = np.tile(np.linspace(0, 65535, w).round().astype(np.uint16), (h, 1))
    return encode(Image.fromarray(values), "PNG")


def _chunk_offset(data: bytes, kind: bytes) -> int:
    """Offset of the length field of the first chunk of type ``kind``."""
    return data.index(kind) - 4


def bad_crc_png(kind: bytes = b"IDAT") -> bytes:
    """A PNG whose ``kind`` chunk has a wrong CRC-32 (its data intact): PIL alone loads it."""
    data = bytearray(encode(colour_image(), "PNG"))
    start = _chunk_offset(data, kind)
    length = struct.unpack(">I", data[start : start + 4])[0]
    data[start + 8 + length] ^= 0xFF  # first byte of the CRC
    return bytes(data)


def corrupt_idat_png() -> bytes:
    """A PNG whose compressed pixels are garbled but whose CRCs were recomputed to match."""
    good = encode(noise_image(64, 64), "PNG")
    start = _chunk_offset(good, b"IDAT")
    length = struct.unpack(">I", good[start : start + 4])[0]
    payload = bytearray(good[start + 8 : start + 8 + length])
    for i in range(2, len(payload), 7):  # keep the zlib header, garble the deflate stream
        payload[i] ^= 0x5A
    return good[:start] + png_chunk(b"IDAT", bytes(payload)) + good[start + 12 + length :]


def bomb_png(side: int = 100_000) -> bytes:
    """A tiny file whose header claims ``side`` x ``side`` pixels (10 gigapixels by default)."""
    return png_file(side, side, 8, 2, b"\x00" * 16)


def bomb_jpeg(side: int = 60_000) -> bytes:
    """A small JPEG whose frame header (SOF0) claims ``side`` x ``side`` pixels."""
    data = bytearray(encode(noise_image(64, 64), "JPEG", quality=90))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, side, side)  # height, width
    return bytes(data)


# -- unusual but valid files ---------------------------------------------------------------------


def palette_image(transparent_index: int | None = None) -> Image.Image:
    """A 4-colour palette image: columns of red, green, blue and white."""
    indices = np.repeat(np.arange(4, dtype=np.uint8), W // 4)[None, :].repeat(H, axis=0)
    image = Image.fromarray(indices, "P")
    image.putpalette([*RED, *GREEN, *BLUE, 255, 255, 255] + [0, 0, 0] * 252)
    if transparent_index is not None:
        image.info["transparency"] = transparent_index
    return image


def exif_rotated_jpeg() -> bytes:
    """Stored 60 wide x 40 tall, top quarter red, rest blue, EXIF orientation 6 (turn 90 deg
    clockwise to display): shown upright it is 40 wide x 60 tall with the red on the right."""
    array = np.zeros((40, 60, 3), dtype=np.uint8)
    array[:] = BLUE
    array[:10] = RED
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(Image.fromarray(array, "RGB"), "JPEG", exif=exif, quality=95)


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (64, 48), c) for c in (RED, GREEN, BLUE)]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


# -- a local web server ---------------------------------------------------------------------------

Route = tuple[int, bytes, dict]  # status, body, headers (Content-Length may lie)


@contextlib.contextmanager
def serve(routes: dict[str, Callable[[], Route] | Route]) -> Iterator[str]:
    """Serve ``routes`` ({path: (status, body, headers)}) on 127.0.0.1; yields the base URL.

    A ``Content-Length`` header larger than the body makes a download that breaks off midway.
    """

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            route = routes.get(self.path.split("?")[0])
            if route is None:
                self.send_error(404)
                return
            status, body, headers = route() if callable(route) else route
            self.send_response(status)
            headers = {"Content-Length": str(len(body)), **headers}
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A URL on a local port that nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/photo.jpg"
