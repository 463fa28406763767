"""What the benchmark scripts share when they report: the machine they ran on, and their
own section of RESULTS.md, which a later run replaces (between the script's two markers)
rather than appending a second copy."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
NEW_FILE = "# Benchmark results\n\nEach feature keeps its own section, written by its script.\n\n"


def machine() -> str:
    """CPUs, their model (from /proc/cpuinfo, where there is one) and Python's version."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def write_section(section: str, start: str, end: str, path: Path = RESULTS) -> Path:
    """Put `section` (which begins with `start` and ends with `end`) in place of the one
    already between those markers, or after the rest of the file if there is none yet."""
    text = path.read_text() if path.exists() else NEW_FILE
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
    return path
