"""``fleet.html`` on a laptop's screen: the matrix of twenty installs fits 1,280 px, a
failure in its last column is in sight without scrolling sideways, what failed comes
right after the verdict, and there is room for one more narrow column."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from contract.fleet.report_columns import LAPTOP_REM, matrix_columns
from tests.chromium import BROWSER, chromium
from tests.fleet_sample import (
    COULD_NOT_RUN,
    FAILS_LAST,
    FAILS_TWO,
    LAST_REQUIREMENT,
    write_sample_fleet,
)

NARROW_ROOM = 5.0
"""Room, in rem, kept for one more narrow column (a baseline status with recent runs)."""

# Written into a copy of the page: once laid out, the widths of the page and of the
# matrix's box, and where the failed cell is, in the page's own attributes.
_MEASURE = """<script>addEventListener('load',function(){
  var root=document.documentElement,box=document.querySelector('.scroll');
  var row=document.querySelector('tr[data-name="%s"]');
  var cell=row.querySelector('td[title="%s: failed"]'),at=cell.getBoundingClientRect();
  var sizes=[root.scrollWidth,root.clientWidth,box.scrollWidth,box.clientWidth,
    at.left,at.right,at.top,at.bottom,innerHeight];
  root.setAttribute('data-measured',sizes.map(Math.round).join(' '));
  root.setAttribute('data-listed',row.cells[2].textContent);
  root.setAttribute('data-shown',cell.textContent);
})</script>"""


def test_the_matrix_leaves_room_on_a_laptop_for_one_more_narrow_column() -> None:
    columns = matrix_columns([LAST_REQUIREMENT] * 20)
    assert [column.key for column in columns[:3]] == ["install", "verdict", "failed requirements"]
    assert sum(column.width for column in columns) + NARROW_ROOM <= LAPTOP_REM
    assert [column.grows for column in columns].count(True) == 1
    judged = [index for index, column in enumerate(columns) if column.judged]
    assert judged == list(range(judged[0], len(columns))), "the judged columns come last"


def test_each_requirement_cell_says_its_status_in_words_too(tmp_path: Path) -> None:
    page = write_sample_fleet(tmp_path).read_text(encoding="utf-8")
    rows = dict(re.findall(r'<tr data-name="([^"]+)"[^>]*>(.*?)</tr>', page))
    cells = re.findall(
        r'<td class="(\w+) mark"[^>]*title="([^"]+)">(.)<span class="sr"> (.*?)<', rows[FAILS_LAST]
    )
    assert len(cells) == 20
    assert (
        "bad",
        f"{LAST_REQUIREMENT}: failed",
        "✗",
        "failed",
    ) in cells
    assert all(title.endswith(word) for _, title, _, word in cells)
    listed = re.findall(r"<td[^>]*>(.*?)</td>", rows[FAILS_TWO])[1]
    assert re.sub(r"<[^>]+>", "", listed) == "UC-ACCEPT, UC-ENUM"
    heading = re.search(rf'<th scope="col" data-column="{LAST_REQUIREMENT}"[^>]*>', page)
    assert heading is not None
    assert 'class="narrow"' in heading.group(0)
    assert f'title="{LAST_REQUIREMENT}: ' in heading.group(0), "the statement on hover"
    judged = re.findall(r"<td[^>]*>(.*?)</td>", rows[COULD_NOT_RUN])
    assert judged[1:] == [
        "none judged",
        "yes",
        "could not run: no requirement was judged (cannot reach crm.initech.example: the "
        "connection was refused)",
    ]


# Where the first regression the page opens with is, and the regressed install's baseline
# cell: both must be in sight.
_MEASURE_BASELINE = """<script>addEventListener('load',function(){
  var root=document.documentElement,line=document.querySelector('.since li');
  var row=document.querySelector('tr[data-name="%s"]'),cell=row.cells[3];
  root.setAttribute('data-regression',[line,cell].map(function(e){
    var at=e.getBoundingClientRect();return [at.left,at.right,at.top,at.bottom].map(
    Math.round).join(' ');}).join(' '));
  root.setAttribute('data-said',line.textContent+' | '+cell.textContent);
})</script>"""


def _in_sight(found: str, wide: int, high: int) -> None:
    left, right, top, bottom = map(int, found.split())
    assert 0 <= left < right <= wide, (left, right, wide)
    assert 0 <= top < bottom <= high, (top, bottom, high)


@pytest.mark.parametrize("over_time", [False, True], ids=["one-night", "beside-a-baseline"])
def test_a_failure_in_the_last_column_is_in_sight_at_1280_px_in_chromium(
    tmp_path: Path, over_time: bool
) -> None:
    if BROWSER is None:
        pytest.skip("no chromium here: .ci/run installs it")
    page = write_sample_fleet(tmp_path / "out", over_time=over_time)
    measured = page.with_name("measured.html")
    script = _MEASURE % (FAILS_LAST, LAST_REQUIREMENT)
    if over_time:
        script += _MEASURE_BASELINE % FAILS_LAST
    measured.write_text(page.read_text(encoding="utf-8") + script, encoding="utf-8")
    shown = chromium(
        tmp_path / "profile", "--window-size=1280,800", "--dump-dom", measured.as_uri()
    )
    assert shown.returncode == 0, shown.stderr
    found = re.search(r'data-measured="([-0-9 ]+)"', shown.stdout)
    assert found, shown.stdout[:2000]
    page_wide, page_seen, box_wide, box_seen, left, right, top, bottom, high = map(
        int, found.group(1).split()
    )
    assert page_seen <= 1280
    assert page_wide <= page_seen, "the page scrolls sideways"
    assert box_wide <= box_seen, "the matrix scrolls sideways"
    assert 0 <= left < right <= page_seen, (left, right, page_seen)
    attributes = dict(re.findall(r'data-(listed|shown|regression|said)="([^"]*)"', shown.stdout))
    assert html.unescape(attributes["listed"]) == LAST_REQUIREMENT
    assert html.unescape(attributes["shown"]) == "✗ failed"
    if not over_time:
        assert 0 <= top < bottom <= high, (top, bottom, high)
        return
    # The page opens with the regression, and the install's row says it too.
    line, cell = attributes["regression"].split()[:4], attributes["regression"].split()[4:]
    _in_sight(" ".join(line), page_seen, high)
    _in_sight(" ".join(cell[:2]) + " 0 1", page_seen, high)  # across: the row is lower down
    said = html.unescape(attributes["said"])
    moved = f"{LAST_REQUIREMENT} (passed \u2192 failed)"
    assert said == (
        f"{FAILS_LAST}: {moved}; no longer certified (certified \u2192 not certified) | regressed"
    ), said


# Scrolls the matrix sideways, then notes where the first row's header and first cell are,
# and the order of the first rows.
_SCROLL = """<script>addEventListener('load',function(){
  var root=document.documentElement,box=document.querySelector('.scroll');
  box.scrollLeft=400;
  var th=document.querySelector('tbody th'),td=document.querySelector('tbody td');
  root.setAttribute('data-scrolled',[box.scrollLeft,th.getBoundingClientRect().left,
    td.getBoundingClientRect().left].map(Math.round).join(' '));
  root.setAttribute('data-order',Array.prototype.map.call(document.querySelectorAll(
    'tbody tr'),function(r){return r.dataset.name;}).join(' '));
})</script>"""


def test_on_a_phone_the_install_column_stays_and_failures_sort_first(tmp_path: Path) -> None:
    if BROWSER is None:
        pytest.skip("no chromium here: .ci/run installs it")
    page = write_sample_fleet(tmp_path / "out")
    scrolled = page.with_name("scrolled.html")
    scrolled.write_text(page.read_text(encoding="utf-8") + _SCROLL, encoding="utf-8")
    shown = chromium(
        tmp_path / "profile",
        "--window-size=390,800",
        "--dump-dom",
        scrolled.as_uri() + "?sort=failed+requirements",
    )
    assert shown.returncode == 0, shown.stderr
    attributes = dict(re.findall(r'data-(scrolled|order)="([^"]*)"', shown.stdout))
    moved, header_left, cell_left = map(int, attributes["scrolled"].split())
    assert moved == 400
    assert header_left >= 0, "the install's name stays in sight"
    assert cell_left < 0, "the cells beside it scrolled away"
    order = attributes["order"].split()
    assert order[:2] == [FAILS_TWO, FAILS_LAST], "the most failures first"
    assert order[-1] == COULD_NOT_RUN
