"""The image catalogue: names, checksums, the NST_IMAGES folder, the cache and real downloads."""

from __future__ import annotations

import csv
import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from helpers import catalog
from helpers.base.errors import DownloadError, ImageError, ImageNotFoundError


def test_catalogue_lists_the_papers_images():
    names = catalog.names()
    assert names[0] == "tubingen"
    assert set(catalog.names("style")) >= {
        "shipwreck",
        "starry_night",
        "scream",
        "femme_nue_assise",
        "composition_vii",
    }
    for entry in catalog.catalog().values():
        assert entry.url.startswith("https://raw.githubusercontent.com/")
        assert len(entry.sha256) == 64 and entry.licence and entry.artist


def test_aliases_and_credits():
    assert catalog.lookup("vangogh").name == "starry_night"
    assert catalog.lookup("Composition-VII").name == "composition_vii"
    assert "Praefcke" in catalog.credits(["tubingen"])


def test_catalogue_agrees_with_the_shared_sources(images_dir):
    sources = images_dir / "SOURCES.tsv"
    if not sources.exists():
        pytest.skip("no SOURCES.tsv beside the images")
    rows = {r["filename"]: r for r in csv.DictReader(sources.open(), delimiter="\t")}
    for entry in catalog.catalog().values():
        assert rows[entry.filename]["sha256"] == entry.sha256
        assert rows[entry.filename]["url"] == entry.url


def test_example_uses_the_nst_images_folder(images_dir):
    path = catalog.example("tubingen")
    assert path.parent == images_dir and catalog.sha256(path) == catalog.lookup("tubingen").sha256


def test_a_wrong_file_in_nst_images_is_refused(tmp_path, monkeypatch):
    (tmp_path / "tubingen_neckarfront.jpg").write_bytes(b"something else")
    monkeypatch.setenv("NST_IMAGES", str(tmp_path))
    with pytest.raises(ImageError, match="sha256"):
        catalog.example("tubingen")


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ImageNotFoundError, match="starry_night"):
        catalog.example("the_kiss")


@pytest.fixture
def http_folder(tmp_path):
    """Serve a folder on 127.0.0.1 (a stand-in for GitHub): yields (folder, base_url)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _point_catalogue_at(monkeypatch, tmp_path, base_url: str, name="tubingen"):
    entry = catalog.lookup(name)
    moved = catalog.CatalogImage(**{**entry.__dict__, "url": f"{base_url}/{entry.filename}"})
    table = dict(catalog.catalog())
    table[entry.name] = moved
    monkeypatch.setattr(catalog, "catalog", lambda: table)
    monkeypatch.delenv("NST_IMAGES", raising=False)
    monkeypatch.setenv("NST_CACHE", str(tmp_path / "cache"))
    return moved


def test_download_verifies_and_caches(images_dir, http_folder, tmp_path, monkeypatch):
    folder, base = http_folder
    entry = _point_catalogue_at(monkeypatch, tmp_path, base)
    shutil.copy(images_dir / entry.filename, folder / entry.filename)
    path = catalog.example("tubingen")
    assert path == tmp_path / "cache" / entry.filename
    assert catalog.sha256(path) == entry.sha256
    (folder / entry.filename).unlink()  # now only the cache can answer
    assert catalog.example("tubingen") == path


def test_a_corrupted_download_never_enters_the_cache(http_folder, tmp_path, monkeypatch):
    folder, base = http_folder
    entry = _point_catalogue_at(monkeypatch, tmp_path, base)
    (folder / entry.filename).write_bytes(b"\xff\xd8 a half-finished or tampered file")
    with pytest.raises(DownloadError, match="sha256"):
        catalog.example("tubingen")
    cache = tmp_path / "cache"
    assert not cache.exists() or not any(p.name == entry.filename for p in cache.iterdir())


def test_offline_with_nothing_cached_says_what_to_do(tmp_path, monkeypatch):
    entry = _point_catalogue_at(monkeypatch, tmp_path, "http://127.0.0.1:9")  # nothing listens on port 9
    with pytest.raises(DownloadError) as info:
        catalog.example("tubingen")
    message = str(info.value)
    assert entry.filename in message and entry.url in message and "NST_IMAGES" in message
    assert "\n" not in message


def test_image_urls_load_through_the_cache(images_dir, http_folder, tmp_path, monkeypatch):
    from helpers import load_image

    folder, base = http_folder
    shutil.copy(images_dir / "munch_the_scream.jpg", folder / "scream.jpg")
    monkeypatch.setenv("NST_CACHE", str(tmp_path / "cache"))
    x = load_image(f"{base}/scream.jpg", size=64)
    assert x.shape[-1] == 50 and x.shape[-2] == 64
    assert any(Path(tmp_path / "cache" / "urls").iterdir())
