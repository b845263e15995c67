"""Regenerate the screenshots of docs/certificate.md and docs/fleet.md.

Run from the repository's root, with the package installed and Chromium on the PATH:

    python docs/screenshots.py              # every screenshot
    python docs/screenshots.py fleet        # only fleet.html's (or: certificate)

For the certificate, it certifies three installs (the bundled reference server; one with
a planted fault; one that leaves a fresh contact changed), writes each run's HTML
certificate, and has headless Chromium photograph it into docs/images/. For the fleet,
it photographs the fleet.html of the tests' sample fleet of twenty installs on a laptop's
screen (1280x800).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository's root holds tests/
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contract.server import ReferenceServer
from tests.chromium import BROWSER, chromium
from tests.fleet_sample import write_sample_fleet

IMAGES = Path(__file__).resolve().parent / "images"
KEY = "docs-screenshot-key"
WIDTH = 1000
PHONE = 390
LAPTOP = (1280, 800)
TALLEST = 6000
# Written into a copy of the page: how far down the section to show ends, once laid out.
_MEASURE = (
    "<script>addEventListener('load',function(){{var e=document.getElementById('{until}');"
    "var r=e?e.closest('section').getBoundingClientRect().bottom+scrollY:"
    "document.documentElement.scrollHeight;"
    "document.documentElement.setAttribute('data-height',Math.ceil(r+16))}})</script>"
)


def _certify(report: Path, *options: str) -> None:
    """``contract certify … --report REPORT``; a failing verdict is what some shots show."""
    subprocess.run(
        [sys.executable, "-m", "contract", "certify", *options, "--report", str(report)],
        cwd=report.parent,
        env={**os.environ, "CONTRACT_API_KEY": KEY},
        capture_output=True,
        check=False,
        timeout=600,
    )
    if not report.exists():
        raise SystemExit(f"no certificate was written to {report}")
    # The restore file is named with the scratch folder's path: shown from within it,
    # as the owner would run it, no path of this machine gets into the pictures.
    page = report.read_text(encoding="utf-8")
    report.write_text(page.replace(f"{report.parent}{os.sep}", ""), encoding="utf-8")


@contextmanager
def _server(*faults: str) -> Iterator[ReferenceServer]:
    with ReferenceServer(
        contacts=3, fresh_contacts=1, api_key=KEY, faults=frozenset(faults)
    ) as server:
        yield server


def passing(report: Path) -> None:
    """The bundled reference server, certified."""
    _certify(report, "--examples", "10", "--seed", "1")


def failing(report: Path) -> None:
    """A planted fault: values outside an enum are stored."""
    with _server("store-out-of-enum") as server:
        _certify(report, "--url", server.url, "--user", server.user, "--contact-id", "1",
                 "--examples", "5", "--seed", "7")  # fmt: skip


def not_restored(report: Path) -> None:
    """A planted fault fills a fresh contact's empty values: no update puts them back."""
    with _server("fill-empty-values") as server:
        _certify(report, "--url", server.url, "--user", server.user, "--contact-id", "4",
                 "--examples", "3", "--seed", "7", "--transport", "rest")  # fmt: skip


def _chromium(profile: Path, *args: str) -> str:
    if BROWSER is None:
        raise SystemExit("chromium is not on the PATH")
    return chromium(profile, "--hide-scrollbars", *args).stdout


def _height(page: Path, width: int, profile: Path, until: str) -> int:
    measured = page.with_name(f"measured-{width}-{page.name}")
    script = _MEASURE.format(until=until)
    measured.write_text(page.read_text(encoding="utf-8") + script, encoding="utf-8")
    dom = _chromium(profile, f"--window-size={width},800", "--dump-dom", measured.as_uri())
    found = re.search(r'data-height="([0-9]+)"', dom)
    # The window's height includes a little more than the page's viewport.
    return min(TALLEST, int(found.group(1)) + 96 if found else 2400)


def shoot(
    page: Path, image: Path, width: int, profile: Path, until: str = "", height: int = 0
) -> None:
    """A screenshot of *page* at *width*, down to the end of the section whose heading has
    the id *until* (the whole page without), or its first *height* pixels."""
    tall = height or _height(page, width, profile, until)
    _chromium(profile, f"--window-size={width},{tall}", f"--screenshot={image}", page.as_uri())
    print(f"{image} ({image.stat().st_size // 1024} KiB, {width}x{tall})")


def certificates(folder: Path) -> None:
    """The three runs' certificates, and the failing one at a phone's width."""
    runs = {"passing": passing, "failing": failing, "not-restored": not_restored}
    pages = {name: folder / name / "certificate.html" for name in runs}
    for page in pages.values():
        page.parent.mkdir()
    with ThreadPoolExecutor(len(runs)) as pool:
        for made in [pool.submit(run, pages[name]) for name, run in runs.items()]:
            made.result()
    profile = folder / "profile"
    shown = {"passing": "matrix", "failing": "failures", "not-restored": "matrix"}
    for name, page in pages.items():
        shoot(page, IMAGES / f"certificate-{name}.png", WIDTH, profile, until=shown[name])
    shoot(pages["failing"], IMAGES / "certificate-phone.png", PHONE, profile, height=1500)


def fleet(folder: Path) -> None:
    """fleet.html of twenty installs as a laptop's screen shows it: one night alone, and
    beside the night before, with a history."""
    width, height = LAPTOP
    page = write_sample_fleet(folder / "fleet")
    shoot(page, IMAGES / "fleet.png", width, folder / "profile", height=height)
    page = write_sample_fleet(folder / "over-time" / "fleet", over_time=True)
    shoot(page, IMAGES / "fleet-baseline.png", width, folder / "profile", height=height)


SHOTS = {"certificate": certificates, "fleet": fleet}


def main(names: list[str]) -> None:
    unknown = sorted(set(names) - set(SHOTS))
    if unknown:
        raise SystemExit(
            f"no such screenshots: {', '.join(unknown)} (there are {', '.join(SHOTS)})"
        )
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name in names or SHOTS:
            folder = Path(scratch) / name
            folder.mkdir()
            SHOTS[name](folder)


if __name__ == "__main__":
    main(sys.argv[1:])
