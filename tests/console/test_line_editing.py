"""At a terminal, the console edits lines and recalls earlier ones (readline), for real.

`catalyst shell` runs in a pseudo-terminal; pressing Up then Enter must run the previous
command again, and the escape sequence must never be echoed back as `^[[A`.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

CATALYST = Path(sys.executable).with_name("catalyst")
UP = "\x1b[A"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="pseudo-terminals as on the project's machines"
)


def read_until(fd: int, wanted: str, seen: str, limit: float = 20.0) -> str:
    deadline = time.monotonic() + limit
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"timed out waiting for {wanted!r}; saw:\n{seen}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen += os.read(fd, 4096).decode("utf-8", "replace")
            except OSError:  # the child closed the terminal
                break
    return seen


def test_up_arrow_recalls_the_previous_command(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TERM": "xterm",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'catalyst.db'}",
    }
    child = subprocess.Popen(
        [str(CATALYST), "shell"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=tmp_path,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    try:
        seen = read_until(leader, "you> ", "")
        os.write(leader, b"help\r")
        seen = read_until(leader, "What you can do with Catalyst", seen.split("you> ", 1)[1])
        seen = read_until(leader, "you> ", seen.split("What you can do with Catalyst", 1)[1])
        os.write(leader, (UP + "\r").encode())
        # Only the recalled command can print the help a second time.
        seen = read_until(leader, "What you can do with Catalyst", seen.rsplit("you> ", 1)[1])
        os.write(leader, b":quit\r")
        seen = read_until(leader, "Bye for now.", seen)
    finally:
        child.wait(timeout=20)
        os.close(leader)
    assert "^[[A" not in seen
    assert child.returncode == 0
