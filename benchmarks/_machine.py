"""What the benchmarks ran on: CPU, cores, Python and the versions of the libraries compared."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

LIBRARIES = (
    "updatecontact-contract",
    "jsonschema",
    "fastjsonschema",
    "jsonschema-rs",
    "hypothesis",
    "hypothesis-jsonschema",
)


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo``, or what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def library_versions(names: Sequence[str] = LIBRARIES) -> dict[str, str]:
    """The installed version of each library named, or ``not installed``."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def describe(names: Sequence[str] = LIBRARIES) -> list[str]:
    """The machine as Markdown list items, with the versions of the libraries *names*."""
    versions = library_versions(names)
    libraries = ", ".join(f"{name} {version}" for name, version in versions.items())
    return [
        f"- CPU: {cpu_model()}; {usable_cores()} usable of {os.cpu_count()} logical cores",
        f"- OS: {platform.system()} ({platform.machine()})",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- Libraries: {libraries}",
    ]
