"""Output folders are whole, current or absent: replaced in one step, even under ``kill -9``.

The kill tests run :func:`planner.outputs.replace_folder` in a child process that writes one version
of an output after another (each version a different set of files, each file naming its version)
and kill it with SIGKILL at random moments: the folder must then hold exactly one version.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planner import outputs
from planner.outputs import (
    OUTPUT_MARK,
    OutputFolderError,
    check_output_folder,
    remove_stale_folders,
    replace_folder,
)

from conftest import REPO

#: A child that writes versions 1, 2, ... of an output into argv[1], once or for ever (argv[2]), by a
#: swap or by two moves (argv[3]).
WRITER = """
import sys
from pathlib import Path
from planner import outputs

out, once = Path(sys.argv[1]), sys.argv[2] == "once"
if sys.argv[3] == "no-swap":
    outputs._exchange = lambda first, second: False
print("ready", flush=True)
version = 0
while True:
    version += 1
    files = {f"file_{i}.txt": f"{version}\\n".encode() * 20_000 for i in range(version % 5 + 3)}
    outputs.replace_folder(files, out)
    if once:
        break
"""


def version_of(folder: Path) -> int:
    """The one version the folder holds, or fail: files of two versions, or a set not of one version."""
    names = {p.name for p in folder.iterdir()}
    assert OUTPUT_MARK in names, names
    contents = {(folder / name).read_text().split("\n", 1)[0] for name in names - {OUTPUT_MARK}}
    assert len(contents) == 1, f"a mix of versions {contents} in {sorted(names)}"
    version = int(contents.pop())
    assert names == {OUTPUT_MARK} | {f"file_{i}.txt" for i in range(version % 5 + 3)}, names
    return version


def side_folders(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def writer(out: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(out), *args], env=env, stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"  # its imports are done
    return child


def test_a_folder_holds_the_new_files_only(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    replace_folder({"a.csv": b"1", "b.csv": b"1", "old.gpx": b"1"}, out)
    written = replace_folder({"a.csv": b"2", "b.csv": b"2"}, out)
    assert written == [out / "a.csv", out / "b.csv"]
    assert sorted(p.name for p in out.iterdir()) == sorted([OUTPUT_MARK, "a.csv", "b.csv"])
    assert (out / "a.csv").read_bytes() == b"2"
    assert side_folders(out) == []
    assert oct((out).stat().st_mode & 0o777) == oct(0o755)


def test_a_folder_of_other_files_is_refused_and_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "budget.xlsx").write_bytes(b"mine")
    with pytest.raises(OutputFolderError, match=r"documents holds files that the planner did not write"):
        replace_folder({"plan.json": b"{}"}, out)
    assert [p.name for p in out.iterdir()] == ["budget.xlsx"]
    assert side_folders(out) == []
    check_output_folder(tmp_path / "new")  # absent: fine
    (tmp_path / "empty").mkdir()
    check_output_folder(tmp_path / "empty")


def test_a_full_disk_leaves_the_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "plan"
    replace_folder({"a.csv": b"old", "b.csv": b"old"}, out)
    real_write = Path.write_bytes

    def fills_up(path: Path, data: bytes) -> int:
        if path.name == "b.csv":
            raise OSError(28, "No space left on device")
        return real_write(path, data)

    monkeypatch.setattr(Path, "write_bytes", fills_up)
    with pytest.raises(OSError, match="No space left"):
        replace_folder({"a.csv": b"new", "b.csv": b"new"}, out)
    assert (out / "a.csv").read_bytes() == b"old" and (out / "b.csv").read_bytes() == b"old"
    assert side_folders(out) == []


def test_without_a_swap_the_previous_output_moves_aside_then_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs, "_exchange", lambda first, second: False)
    out = tmp_path / "plan"
    replace_folder({"a.csv": b"1", "old.gpx": b"1"}, out)
    replace_folder({"a.csv": b"2"}, out)
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARK, "a.csv"]
    assert side_folders(out) == []


def test_stale_side_folders_of_dead_runs_are_cleaned_and_a_set_aside_output_put_back(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    pid = int(dead.stdout)
    out = tmp_path / "plan"
    staging = tmp_path / f".plan.staging-{pid}-abc"
    previous = tmp_path / f".plan.previous-{pid}-def"
    mine = tmp_path / f".plan.staging-{os.getpid()}-ghi"
    other = tmp_path / ".planet.staging-1-x"  # another folder's
    for folder in (staging, previous, mine, other):
        folder.mkdir()
    (previous / "a.csv").write_bytes(b"kept")
    assert sorted(remove_stale_folders(out)) == sorted([previous, staging])
    assert (out / "a.csv").read_bytes() == b"kept"  # killed between the two moves: the old output back
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["plan", mine.name, other.name])


@pytest.mark.parametrize("swap", ["swap", "no-swap"])
def test_kill_9_at_any_moment_leaves_one_whole_version(tmp_path: Path, swap: str) -> None:
    """SIGKILL a writer at random moments; the folder then holds one whole version, and the next run
    leaves no side folder older than itself."""
    out = tmp_path / "plan"
    assert writer(out, "once", swap).wait() == 0
    rng = random.Random(15)
    seen: set[int] = set()
    for _ in range(8):
        child = writer(out, "loop", swap)
        time.sleep(0.05 + rng.random() * 0.3)  # amid its writes
        child.send_signal(signal.SIGKILL)
        child.wait()
        if out.exists():
            seen.add(version_of(out))
        else:  # killed between the two moves (no swap): the previous output, whole, waits beside it
            assert swap == "no-swap"
            (aside,) = [p for p in tmp_path.iterdir() if p.name.startswith(".plan.previous-")]
            seen.add(version_of(aside))
        assert writer(out, "once", swap).wait() == 0  # the next run cleans what the kill left
        assert side_folders(out) == []
        assert version_of(out) == 1
    assert len(seen) > 1, f"every kill found version {seen}: none landed amid the writes"


def test_a_failed_second_move_puts_the_previous_output_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs, "_exchange", lambda first, second: False)
    out = tmp_path / "plan"
    replace_folder({"a.csv": b"old"}, out)
    real_rename = Path.rename

    def second_move_fails(self: Path, target: Path) -> Path:
        if ".staging-" in self.name:
            raise OSError(5, "Input/output error")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", second_move_fails)
    with pytest.raises(OSError, match="Input/output error"):
        replace_folder({"a.csv": b"new"}, out)
    assert (out / "a.csv").read_bytes() == b"old"
    assert side_folders(out) == []


def test_a_link_to_an_output_folder_replaces_the_folder_it_leads_to(tmp_path: Path) -> None:
    real = tmp_path / "real"
    replace_folder({"a.csv": b"1"}, real)
    link = tmp_path / "link"
    link.symlink_to(real)
    replace_folder({"b.csv": b"2"}, link)
    assert link.is_symlink() and sorted(p.name for p in real.iterdir()) == [OUTPUT_MARK, "b.csv"]
    assert side_folders(real) == [] and side_folders(link) == []
