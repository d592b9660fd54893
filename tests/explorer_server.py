"""Start and stop the scenario explorer (``streamlit run streamlit_app.py``) for browser tests and benches.

``explorer()`` runs the app on 127.0.0.1 in its own process group, waits for its health check and
yields the base URL; on exit it ends the whole group (the app starts solver worker processes).
``launch_chromium()`` starts Debian's chromium through Playwright, never a downloaded browser.
``ScriptRuns`` follows the app's script runs over its websocket, so a browser session can wait until
the server has finished reacting to a click instead of sleeping; ``open_page`` clicks a sidebar link.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "streamlit_app.py"
#: Debian's chromium; the ``CHROMIUM`` environment variable points elsewhere.
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


def chromium_path() -> str:
    """The chromium executable to launch."""
    return os.environ.get("CHROMIUM", CHROMIUM_PATH)


def launch_chromium(playwright: Any, **options: Any) -> Any:
    """Launch chromium (headless, no outside traffic of its own) with a Playwright instance."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, **options)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the server's whole process group: SIGTERM, then SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; its workers may still be exiting: wait until the group is empty.
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def explorer(
    port: int | None = None, env: dict[str, str] | None = None, app: Path | str = APP
) -> Iterator[str]:
    """Run the explorer on 127.0.0.1 and yield its base URL (``http://127.0.0.1:PORT``).

    ``env`` adds to (and overrides) the current environment; ``app`` is the script to run (another
    copy of the app, say), run from its own folder. Raises RuntimeError with the server's log if it
    exits or is not healthy within STARTUP_TIMEOUT_S.
    """
    app = Path(app).resolve()
    if not app.is_file():
        raise FileNotFoundError(f"no app script at {app}")
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=app.parent,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def log_text() -> str:
            log.seek(0)
            return log.read().decode("utf-8", "replace")

        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while not _healthy(base):
                if process.poll() is not None:
                    raise RuntimeError(f"the explorer exited with {process.returncode}:\n{log_text()}")
                if time.monotonic() > deadline:
                    waited = f"{STARTUP_TIMEOUT_S:.0f} s"
                    raise RuntimeError(f"the explorer was not healthy in {waited}:\n{log_text()}")
                time.sleep(0.25)
            yield base
        finally:
            _stop(process)


# ---------------------------------------------------------------------------------------------------
# Following the app in a browser (Playwright sync API)

#: Generous: a first solve, or a first deck.gl frame in software WebGL, can take tens of seconds.
WAIT_TIMEOUT_S = 180.0


class ScriptRuns:
    """Script runs of the app in one browser page, read from the websocket (ForwardMsg protobufs).

    ``full`` counts whole-app runs that finished normally (page loads, widget changes, navigation,
    the rerun after a solve), ``fragment`` the runs of fragments (the solve panel's polling);
    ``running`` says whether a run has started and not finished, ``last_full_at`` when (perf_counter)
    the last whole-app run's end was seen. Attach before ``page.goto``.
    """

    def __init__(self, page: Any) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._message = ForwardMsg
        self.page = page
        self.full = 0
        self.fragment = 0
        self.running = False
        self.last_full_at = 0.0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        message = self._message.FromString(payload)
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.running = True
        elif kind == "script_finished":
            self.running = False
            if message.script_finished == self._message.FINISHED_SUCCESSFULLY:
                self.full += 1
                self.last_full_at = time.perf_counter()
            elif message.script_finished == self._message.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                self.fragment += 1

    def wait(self, done: Callable[[], bool], what: str, timeout_s: float = WAIT_TIMEOUT_S) -> None:
        """Let the page work until ``done()`` holds; TimeoutError naming ``what`` after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not done after {timeout_s:.0f} s")
            self.page.wait_for_timeout(50)  # Playwright delivers websocket events while it waits

    def wait_full_run(self, after: int, what: str, timeout_s: float = WAIT_TIMEOUT_S) -> None:
        """Wait until a whole-app run that started after count ``after`` has finished and none runs."""
        self.wait(lambda: self.full > after and not self.running, what, timeout_s)


def next_frame(page: Any) -> None:
    """Wait for two animation frames: whatever the last run changed has been drawn (WebGL included)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def sidebar_solve_button(page: Any) -> Any:
    """The Solve button of the sidebar's solve panel (shown when no solve runs)."""
    return page.get_by_test_id("stSidebar").get_by_role("button", name="Solve", exact=True)


def open_page(page: Any, runs: ScriptRuns, title: str) -> None:
    """Click a sidebar navigation link and wait until the page's run is over and its header shows."""
    before = runs.full
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    runs.wait_full_run(before, f"opening page {title!r}")
    page.get_by_test_id("stMain").get_by_role("heading", name=title).first.wait_for()
