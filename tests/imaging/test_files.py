"""Atomic writes: a reader sees the old file or the whole new one, never half of one."""

from __future__ import annotations

import json
import os
import stat

import pytest

from helpers.base.errors import SettingsError
from helpers.imaging.files import atomic_path, check_output, write_json


def test_atomic_path_writes_the_file_only_on_success(tmp_path):
    target = tmp_path / "sub" / "out.txt"  # the folder is created
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp != target
        tmp.write_text("new")
        assert not target.exists()  # nothing at the final name until the block ends
    assert target.read_text() == "new"
    assert list(target.parent.iterdir()) == [target]  # no temporary left behind


def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash while writing")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_the_file_gets_the_usual_permissions_not_mkstemps_0600(tmp_path):
    mask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "out.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o644


def test_overwrite_false_refuses_an_existing_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with (
        pytest.raises(SettingsError, match="exists: choose another name"),
        atomic_path(target, overwrite=False),
    ):
        pass
    assert target.read_text() == "old"


def test_check_output_refuses_what_could_not_be_written(tmp_path):
    with pytest.raises(SettingsError, match="is a directory"):
        check_output(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SettingsError, match="is a file, not a folder"):
        check_output(blocker / "out.png")
    assert check_output(tmp_path / "new" / "deeper" / "out.png") == tmp_path / "new" / "deeper" / "out.png"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_check_output_refuses_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(SettingsError, match="permission denied"):
            check_output(folder / "out.png")
    finally:
        folder.chmod(0o700)


def test_write_json_is_indented_and_writes_what_json_cannot_as_text(tmp_path):
    path = write_json({"a": 1, "path": tmp_path}, tmp_path / "x.json")
    text = path.read_text()
    assert text.endswith("\n") and '\n  "a": 1' in text
    assert json.loads(text) == {"a": 1, "path": str(tmp_path)}
