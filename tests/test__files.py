from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cohere_medner
from cohere_medner._files import (
    HOST_TAG,
    atomic_write,
    checked_format,
    open_text,
    process_alive,
    remove_stale_temporaries,
    temporary_writer,
)


def test_atomic_write_replaces_only_on_success(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    with atomic_write(path) as stream:
        stream.write("first")
    assert path.read_text() == "first"
    with pytest.raises(RuntimeError), atomic_write(path) as stream:
        stream.write("half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_makes_the_missing_directories(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "2026-11-23" / "out.txt"
    with atomic_write(path) as stream:
        stream.write("kept")
    assert path.read_text() == "kept"


def test_open_text_reads_gzip_and_keeps_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"a\r\nb\n"))
    with open_text(path) as stream:
        assert list(stream) == ["a\r\n", "b\n"]


def test_written_files_get_the_usual_mode(tmp_path: Path) -> None:
    # mkstemp's private 0600 once stuck to every report and training file written.
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "new.txt") as stream:
            stream.write("x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
        existing = tmp_path / "existing.txt"
        existing.write_text("old")
        existing.chmod(0o640)
        with atomic_write(existing) as stream:
            stream.write("new")
        assert existing.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "x.json: not a cohere-medner thing file"),
        ({"format": "other"}, "not a cohere-medner thing file"),
        ({"format": "cohere-medner thing", "version": 2}, "version 2; this cohere-medner reads"),
    ],
)
def test_checked_format_names_the_file_and_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        checked_format(data, "cohere-medner thing", 1, "x.json", ValueError)
    good = {"format": "cohere-medner thing", "version": 1, "x": 0}
    assert checked_format(good, "cohere-medner thing", 1, "x.json", ValueError) is good


def _writer_killed_mid_write(path: Path) -> subprocess.Popen[str]:
    """A process stopped in the middle of ``atomic_write(path)``, its temporary file written."""
    code = (
        "import sys, time\n"
        "from cohere_medner._files import atomic_write\n"
        "writing = atomic_write(sys.argv[1])\n"
        "writing.__enter__().write('half')\n"
        "print('writing', flush=True)\n"
        "time.sleep(600)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(cohere_medner.__file__).parents[1])}
    writer = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
    return writer


def test_a_write_removes_the_temporary_a_killed_writer_left(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    writer = _writer_killed_mid_write(path)
    try:
        (left,) = [p.name for p in tmp_path.iterdir()]
        assert left.startswith(f".report.json.{HOST_TAG}-{writer.pid}.") and left.endswith(".tmp")
        # While its writer lives, its temporary file is its own.
        with atomic_write(path) as stream:
            stream.write("one")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([left, "report.json"])
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    with atomic_write(path) as stream:
        stream.write("two")
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    assert path.read_text() == "two"


def test_only_the_temporaries_of_the_same_target_are_touched(tmp_path: Path) -> None:
    dead = _dead_pid()
    other = tmp_path / f".other.json.{HOST_TAG}-{dead}.abcdefgh.tmp"
    another_host = "000000" if HOST_TAG != "000000" else "111111"
    elsewhere = tmp_path / f".out.json.{another_host}-{dead}.abcdefgh.tmp"
    mine = tmp_path / f".out.json.{HOST_TAG}-{dead}.abcdefgh.tmp"
    for file in (other, elsewhere, mine):
        file.write_text("half")
    assert remove_stale_temporaries(tmp_path / "out.json") == [mine]
    assert sorted(tmp_path.iterdir()) == sorted([other, elsewhere])


def _dead_pid() -> int:
    """The id of a process that ran and is gone."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_a_process_is_alive_until_killed_even_before_it_is_reaped() -> None:
    assert process_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        assert process_alive(child.pid)
        child.send_signal(signal.SIGKILL)
        # Dead but not reaped (a zombie): gone for whoever waits on what it held.
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
        assert not process_alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid)
    assert not process_alive(0) and not process_alive(-1)


NAMES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"), min_size=1
).filter(lambda name: name not in (".", ".."))


@given(
    NAMES,
    st.integers(min_value=1, max_value=2**22),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=8),
)
def test_a_temporary_name_tells_its_target_host_and_writer(
    name: str, pid: int, random: str
) -> None:
    target = Path("/out") / name
    made = f".{name}.{HOST_TAG}-{pid}.{random}.tmp"
    assert temporary_writer(made, target) == (HOST_TAG, pid)


@given(NAMES, NAMES, st.integers(min_value=1, max_value=2**22))
def test_a_temporary_belongs_to_one_target_only(name: str, other: str, pid: int) -> None:
    made = f".{other}.{HOST_TAG}-{pid}.abcdefgh.tmp"
    if other != name:
        assert temporary_writer(made, Path("/out") / name) is None
    assert temporary_writer(name, Path("/out") / name) is None
