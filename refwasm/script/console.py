"""The live side of ``refwasm wast`` on a terminal: a progress bar on stderr that per-file lines
on stdout scroll above.  Plain text (no escape codes) when the stream is not a terminal, and no
colour when ``NO_COLOR`` is set (https://no-color.org)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import TextIO

from refwasm.script.report import FileReport


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (escape codes and a live bar are welcome)."""
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False


def wants_color(stream: TextIO) -> bool:
    """Colour on a terminal unless ``NO_COLOR`` is set."""
    return is_terminal(stream) and not os.environ.get("NO_COLOR")


class Progress:
    """``[#####.....] 120/479 files  12345 passed  2 failed  5 skipped  0:12``, redrawn in
    place on a terminal after each file; nothing at all otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.live = is_terminal(self.stream)
        self.done = 0
        self.counts = [0, 0, 0]
        self.start = time.monotonic()

    def advance(self, report: FileReport) -> None:
        """One more file finished."""
        self.done += 1
        for i, n in enumerate((report.passed, report.failed, report.skipped)):
            self.counts[i] += n
        self.draw()

    def draw(self) -> None:
        """Redraw the bar (a terminal only)."""
        if not self.live:
            return
        width = max(10, min(30, shutil.get_terminal_size().columns - 60))
        filled = width * self.done // max(1, self.total)
        seconds = int(time.monotonic() - self.start)
        passed, failed, skipped = self.counts
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r\x1b[2K[{bar}] {self.done}/{self.total} files  {passed} passed  "
                          f"{failed} failed  {skipped} skipped  {seconds // 60}:{seconds % 60:02}")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the bar so a line can be printed in its place (a terminal only)."""
        if self.live:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
