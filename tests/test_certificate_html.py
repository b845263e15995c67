"""The HTML certificate: the page a person forwards to the install's owner.

Structural checks run on certificates built here: escaping, statuses said in words, no
external resource, every section. Then three real runs (passing, failing, not restored)
are opened in headless Chromium: rendered after the page's script ran, laid out at a
phone's width without horizontal overflow, clicked (the copy button), and printed to PDF.
Without Chromium those checks skip, saying so.
"""

from __future__ import annotations

import html
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from contract.core import requirements
from contract.core.requirements import CATALOGUE
from contract.report.certificate import Certificate
from contract.report.html import STATUS, to_html
from contract.report.verdicts import BOTH
from contract.report.writers import summary_lines, to_markdown
from contract.run.outcomes import Failure, Limit, Outcome
from contract.run.put_back import Restored
from contract.run.settings import Frontend, with_option_names
from contract.server import ReferenceServer
from tests.chromium import BROWSER, chromium
from tests.conftest import certify, clean_environment

KEY = "html-certificate-test-key"
HOSTILE = "<script>alert('owned')</script><img src=x onerror=alert(1)>\"'&"
PHONE = 390


# --- the page's structure, without a browser --------------------------------------------


class _Page(HTMLParser):
    """Every tag with its attributes, and the text of every status cell."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.cells: list[tuple[str, str]] = []
        """(class, text) of every table cell whose class names a status."""
        self._open_cell: list[str] | None = None
        self._cell_class = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        css = attributes.get("class") or ""
        if tag == "td" and css.startswith("s-"):
            self._open_cell, self._cell_class = [], css

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open_cell is not None:
            self.cells.append((self._cell_class, "".join(self._open_cell)))
            self._open_cell = None

    def handle_data(self, data: str) -> None:
        if self._open_cell is not None:
            self._open_cell.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attributes for name, attributes in self.tags if name == tag]


def _parsed(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    return parsed


def _failure(got: str = "HTTP 200 (application/json): 7", payload: object = None) -> Failure:
    return Failure(
        requirement=requirements.ENUM,
        transport="rest",
        expected="a refusal (4xx or XML-RPC fault) of a value outside the enum in `status`",
        got=got,
        payload=payload if payload is not None else {"status": "outside-every-enum"},
        reproduction="curl -sS -i -X PUT 'http://127.0.0.1:8080/api/2.0/contacts/7' "
        '--data-binary \'{"status": "<b>"}\'',
        message="UC-ENUM over rest: expected a refusal\n  got:      HTTP 200",
        seed=42,
    )


def _certificate(failure: Failure | None = None) -> Certificate:
    """Every status at once: passed, failed, error, not verifiable, and not run."""
    certificate = Certificate(
        target="https://crm.example",
        options={
            "url": "https://crm.example",
            "transports": ["rest", "xmlrpc"],
            "readonly_policy": "reject",
            "unknown_policy": "either",
            "seed": 42,
        },
        schema_fingerprint="abc123",
        seed=42,
    )
    fold = certificate.fold
    for requirement in CATALOGUE:
        if requirement in (requirements.ENUM, requirements.TYPE, requirements.NOTFOUND):
            continue
        if requirement is requirements.PARITY:
            fold.add(Outcome(requirement, None, "not verifiable", reason="needs both"))
            continue
        for transport in ("rest", "xmlrpc"):
            fold.add(Outcome(requirement, transport, "passed", 3, 6, coverage=1, seconds=0.5))
    failed = failure or _failure()
    fold.add(Outcome(requirements.ENUM, "rest", "failed", 2, 4, failure=failed, seconds=1.5))
    fold.add(Outcome(requirements.ENUM, "xmlrpc", "passed", 2, 4, coverage=2))
    fold.add(Outcome(requirements.TYPE, "xmlrpc", "error", 1, 1, reason="KeyError: 'x'"))
    fold.limits.append(Limit("firstname", "text of 300 characters", "rest", "HTTP 422"))
    return certificate


def test_a_hostile_answer_payload_or_target_injects_no_html() -> None:
    failure = _failure(got=f"HTTP 200 (text/html): {HOSTILE}", payload={HOSTILE: HOSTILE})
    certificate = _certificate(failure)
    certificate.target = f"https://crm.example/{HOSTILE}"
    certificate.options["user"] = HOSTILE
    certificate.restored[7] = Restored(False, {"gender": {"original": "", "now": HOSTILE}})
    certificate.fold.limits.append(Limit(HOSTILE, HOSTILE, "rest", HOSTILE))
    page = to_html(certificate)
    parsed = _parsed(page)
    # The page's own script is the only one; no image, no handler came through.
    assert len(parsed.named("script")) == 1
    assert "alert" not in page.split("<script>")[-1]
    assert not parsed.named("img")
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert HOSTILE not in page
    assert html.escape(f"HTTP 200 (text/html): {HOSTILE}") in page
    assert html.escape(HOSTILE) in page


def test_every_status_is_said_in_words_beside_its_colour() -> None:
    parsed = _parsed(to_html(_certificate()))
    seen = set()
    for css, text in parsed.cells:
        verdict = css.removeprefix("s-").replace("-", " ")
        icon, words = STATUS[verdict]  # type: ignore[index]
        assert text.startswith(f"{icon} {words}"), (css, text)
        seen.add(verdict)
    assert seen == set(STATUS)  # passed, failed, error, not verifiable, not run
    page = to_html(_certificate())
    for icon, words in STATUS.values():
        assert f"{icon} {words}" in page  # in the key too


def test_the_page_is_self_contained_semantic_and_printable() -> None:
    page = to_html(_certificate())
    parsed = _parsed(page)
    assert page.lower().startswith("<!doctype html>")
    for tag in ("link", "img", "iframe", "object", "embed", "base"):
        assert not parsed.named(tag), tag
    links = [
        value
        for _, attrs in parsed.tags
        for name, value in attrs.items()
        if name in ("src", "href", "srcset", "action", "poster") and value
    ]
    assert links
    assert all(link.startswith("#") for link in links), links
    ids = {attrs.get("id") for _, attrs in parsed.tags}
    assert all(link[1:] in ids for link in links)
    assert "@import" not in page
    assert "url(" not in page
    assert [attrs.get("src") for attrs in parsed.named("script")] == [None]
    assert any(
        attrs.get("name") == "viewport" and "width=device-width" in str(attrs.get("content"))
        for attrs in parsed.named("meta")
    )
    assert "@media print" in page
    assert "@media (max-width:" in page
    assert parsed.named("html")[0].get("lang") == "en"
    assert len(parsed.named("h1")) == 1
    headings = {attrs.get("id") for attrs in parsed.named("h2")}
    assert headings == {"limits", "matrix", "failures", "cases", "run", "options"}
    tables = len(parsed.named("table"))
    assert tables == len(parsed.named("caption")) == 3
    assert all(attrs.get("scope") in ("col", "row") for attrs in parsed.named("th"))
    # Each table scrolls within its own box, which a keyboard can reach.
    regions = [a for a in parsed.named("div") if a.get("class") == "scroll"]
    assert len(regions) == tables
    assert all(a.get("tabindex") == "0" and a.get("role") == "region" for a in regions)


def test_the_top_says_verdict_target_restore_and_limits() -> None:
    certificate = _certificate()
    certificate.restored[7] = Restored(False, {"gender": {"original": "", "now": "male"}})
    certificate.writable = ("name", "date_of_birth")
    certificate.unexercised = {8: {"date_of_birth": "its current value null is one no update …"}}
    page = to_html(certificate)
    top = page[: page.index("id=matrix")]
    assert top.index("NOT fully restored") < top.index("<h1>")
    assert "✗ not certified" in top
    assert "https://crm.example" in top
    assert (
        "Requirements that failed: UC-ENUM. Requirements whose check could not judge: UC-TYPE."
        in top
    )
    assert "Not exercised: 1 of 2 writable properties" in top
    assert "<code>date_of_birth</code>: its current value null is one no update …" in top
    assert "Storage limit: the install refused text of 300 characters" in top
    assert "UC-PARITY could not be verified: needs both" in top
    assert "read-only properties <b>reject</b>" in top
    assert "seed 42" in top


def test_retries_after_network_errors_are_said_only_when_there_were_some() -> None:
    quiet = _certificate()
    said = "retried 3 requests after network errors (the network, not the install: see"
    assert quiet.to_dict()["retries"] == quiet.to_dict()["totals"]["retries"] == 0
    assert not any("retried" in text for text in (to_html(quiet), to_markdown(quiet)))
    assert not any("retried" in line for line in summary_lines(quiet))
    noisy = _certificate()
    noisy.fold.add(Outcome(requirements.NOTFOUND, "rest", "passed", 2, 5, retries=2))
    noisy.retries_outside_tests = 1  # opening the contact, the controls or the restore
    data = noisy.to_dict()
    notfound = next(result for result in data["results"] if result["id"] == "UC-NOTFOUND")
    assert (notfound["retries"], notfound["by_transport"]["rest"]["retries"]) == (2, 2)
    assert (data["totals"]["retries"], data["retries"]) == (2, 3)
    assert f"{said} --retries)" in summary_lines(noisy)
    plugin = summary_lines(
        noisy, spell=lambda template: with_option_names(template, Frontend.PLUGIN)
    )
    assert f"{said} --contract-retries)" in plugin
    assert f"- {said} --retries)" in to_markdown(noisy)
    assert f"<li>R{said[1:]} --retries).</li>" in to_html(noisy)


def test_a_failure_shows_expectation_answer_payload_and_a_reproduction_to_copy() -> None:
    page = to_html(_certificate())
    failures = page[page.index("id=failures") : page.index("id=cases")]
    assert html.escape("a refusal (4xx or XML-RPC fault)") in failures
    assert "HTTP 200 (application/json): 7" in failures
    assert html.escape(json.dumps({"status": "outside-every-enum"}, indent=2)) in failures
    assert html.escape(_failure().reproduction or "") in failures
    assert "UC-ENUM over rest: expected a refusal" in failures
    buttons = _parsed(failures).named("button")
    assert len(buttons) == 1
    button = buttons[0]
    assert button.get("type") == "button"
    assert button.get("aria-label") == "Copy the reproduction of UC-ENUM over REST"
    assert f"id={button.get('data-copy')}>" in failures
    # The matrix links the failed requirement to its failure.
    assert "href='#failure-UC-ENUM-rest'" in page
    # The script: the clipboard, else the text is selected.
    assert "navigator.clipboard" in page
    assert "addRange" in page


def test_the_certificate_data_holds_what_the_page_shows() -> None:
    data = _certificate().to_dict()
    assert data["policies"] == {"readonly": "reject", "unknown": "either"}
    assert data["transports"] == ["rest", "xmlrpc"]
    assert set(data["versions"]) == {"library", "schema", "python", "hypothesis"}
    assert data["versions"]["schema"] == "abc123"
    assert data["seconds"] >= 0
    enum = next(result for result in data["results"] if result["id"] == "UC-ENUM")
    assert enum["seconds"] == 1.5
    assert enum["by_transport"]["rest"]["verdict"] == "failed"
    assert enum["by_transport"]["rest"]["failure"]["payload"] == {"status": "outside-every-enum"}
    assert enum["by_transport"]["xmlrpc"] == {
        "verdict": "passed",
        "cases": 2,
        "coverage_cases": 2,
        "explored_cases": 0,
        "requests": 4,
        "retries": 0,
        "shared_requests": 0,
        "seconds": 0.0,
        "failure": None,
    }
    parity = next(result for result in data["results"] if result["id"] == "UC-PARITY")
    assert list(parity["by_transport"]) == [BOTH]
    totals = data["totals"]
    assert totals["coverage_cases"] + totals["explored_cases"] == totals["cases"]
    json.dumps(data)


# --- three real runs, in Chromium ------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    BROWSER is None, reason="chromium is not installed: the in-browser checks of the page skip"
)

# Each page in a phone-wide frame, beside a control page wider than any phone. Once every
# page's script ran, the harness clicks each page's first copy button and writes down, on
# its own body, what it measured and what each page then holds.
_HARNESS = """<!doctype html><meta charset=utf-8><body>{frames}
<script>
var body = document.body;
function measured(frame) {{
  var root = frame.contentDocument.documentElement;
  body.setAttribute("data-width-" + frame.id, root.scrollWidth + " " + root.clientWidth);
  return root;
}}
// The window's load waits for every frame's.
window.addEventListener("load", function () {{
  Array.prototype.forEach.call(document.querySelectorAll("iframe"), function (frame) {{
    var root = measured(frame), button = root.querySelector("button.copy");
    if (button) {{ button.click(); }}
    var dom = document.createElement("textarea");
    dom.id = "dom-" + frame.id;
    dom.textContent = root.outerHTML;
    body.appendChild(dom);
    setTimeout(function () {{
      var said = button ? button.nextElementSibling.textContent : "";
      body.setAttribute("data-copy-" + frame.id, said);
    }}, 300);
  }});
}});
</script>"""
_FRAME = '<iframe id="{name}" width="{width}" height="800" srcdoc="{page}"></iframe>'
_CONTROL = "<meta name=viewport content='width=device-width'><pre>" + "x" * 200 + "</pre>"


@dataclass
class Rendered:
    """What Chromium made of one certificate."""

    dom: str
    """The page's DOM after its script ran."""
    width: tuple[int, int]
    """Its scroll width and client width in a phone-wide frame."""
    copy_said: str
    """What its first copy button said once clicked ("" without one)."""


@dataclass
class Renders:
    """What Chromium made of the certificates, a control page and a printout."""

    pages: dict[str, Rendered]
    control: tuple[int, int]
    pdf: bytes


def _width(attributes: dict[str, str], name: str) -> tuple[int, int]:
    scroll, client = attributes.get(f"width-{name}", "0 0").split()
    return int(scroll), int(client)


def _render(pages: dict[str, Path], folder: Path) -> tuple[dict[str, Rendered], tuple[int, int]]:
    """Every page in a phone-wide frame, in one browser; and the control's widths."""
    sources = {name: page.read_text(encoding="utf-8") for name, page in pages.items()}
    frames = "".join(
        _FRAME.format(name=name, width=PHONE, page=html.escape(text, quote=True))
        for name, text in {**sources, "control": _CONTROL}.items()
    )
    harness = folder / "harness.html"
    harness.write_text(_HARNESS.format(frames=frames), encoding="utf-8")
    dumped = chromium(
        folder / "profile-dom", "--virtual-time-budget=3000", "--dump-dom", harness.as_uri()
    ).stdout
    body = re.search(r"<body([^>]*)>", dumped)
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1) if body else ""))
    rendered = {}
    for name in pages:
        dom = re.search(rf'<textarea id="dom-{name}">(.*?)</textarea>', dumped, re.DOTALL)
        rendered[name] = Rendered(
            dom=html.unescape(dom.group(1)) if dom else "",
            width=_width(attributes, name),
            copy_said=html.unescape(attributes.get(f"copy-{name}", "")),
        )
    return rendered, _width(attributes, "control")


def _print(page: Path) -> bytes:
    pdf = page.with_suffix(".pdf")
    chromium(
        page.with_name("profile-pdf"), "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
        page.as_uri(),
    )  # fmt: skip
    return pdf.read_bytes() if pdf.exists() else b""


def _certify(folder: Path, *options: str) -> Path:
    report = folder / "certificate.html"
    folder.mkdir()
    certify(
        *options, "--report", str(report), cwd=folder, env=clean_environment(CONTRACT_API_KEY=KEY)
    )
    return report


def _on_server(folder: Path, fault: str, *options: str) -> Path:
    with ReferenceServer(
        contacts=1, fresh_contacts=1, api_key=KEY, faults=frozenset({fault})
    ) as server:
        aimed = ("--url", server.url, "--user", server.user, "--seed", "7", "--examples", "1")
        return _certify(folder, *aimed, *options)


def _renders(folder: Path) -> Renders:
    """A passing run (the simulated endpoint), a failing one (a planted fault), and one
    that leaves a fresh contact changed, side by side; then all three in one browser, and
    the failing one printed."""
    runs = {
        "passing": lambda: _certify(
            folder / "passing", "--mock", "--examples", "1", "--seed", "3"
        ),
        "failing": lambda: _on_server(
            folder / "failing", "store-out-of-enum", "--contact-id", "1",
            "--transport", "rest",
        ),
        "not-restored": lambda: _on_server(
            folder / "not-restored", "fill-empty-values", "--contact-id", "2",
            "--transport", "rest",
        ),
    }  # fmt: skip
    with ThreadPoolExecutor(len(runs)) as pool:
        made = {name: pool.submit(run) for name, run in runs.items()}
        pages = {name: future.result() for name, future in made.items()}
        for name, page in pages.items():
            assert page.exists(), f"the {name} run wrote no certificate"
        printed = pool.submit(_print, pages["failing"])
        rendered, control = _render(pages, folder)
        return Renders(rendered, control, printed.result())


def _renders_and_fits_a_phone(renders: Renders, run: str) -> None:
    page = renders.pages[run]
    # Rendered: the verdict, and one matrix row per requirement.
    assert "UpdateContact certificate:" in page.dom, page.dom[:500]
    assert "Requirements \u00d7 transports" in page.dom
    for requirement in CATALOGUE:
        assert f'<span class="id">{requirement.id}</span>' in page.dom
    # No horizontal overflow at a phone's width; the control proves the measure works.
    scroll, client = page.width
    assert 0 < client <= PHONE, page.width
    assert scroll <= client, page.width
    control_scroll, control_client = renders.control
    assert control_scroll > control_client, renders.control


def _prints_to_pdf(renders: Renders) -> None:
    assert renders.pdf.startswith(b"%PDF-")
    assert len(renders.pdf) > 10_000


def _passing_renders_certified(renders: Renders) -> None:
    dom = renders.pages["passing"].dom
    assert "\u2713 certified" in dom
    assert "not certified" not in dom
    assert '<td class="s-passed"><span class="s">\u2713 passed</span></td>' in dom
    assert '<td class="s-failed">' not in dom
    assert not re.search(r"<button[\s>]", dom)  # nothing to copy


def _failing_renders_its_failure_with_a_working_copy_button(renders: Renders) -> None:
    failing = renders.pages["failing"]
    dom = failing.dom
    assert "\u2717 not certified" in dom
    assert "Requirements that failed: UC-ENUM." in dom
    assert "\u2717 failed" in dom
    assert "outside-every-enum" in dom
    assert 'aria-label="Copy the reproduction of UC-ENUM over REST"' in dom
    # The script showed the buttons; a click copied the text, or selected it.
    buttons = re.findall(r"<button[^>]*>", dom)
    assert buttons
    assert all(" hidden" not in button for button in buttons), buttons
    assert failing.copy_said in ("Copied.", "Selected: press Ctrl+C (\u2318C) to copy.")


def _not_restored_says_so_first(renders: Renders) -> None:
    dom = renders.pages["not-restored"].dom
    alarm = dom.index("NOT fully restored")
    assert alarm < dom.index("<h1>")
    assert 'class="restore left-changed"' in dom[:alarm]
    assert "contract restore" in dom
    assert "XML-RPC was not exercised" in dom
    assert "Not exercised: 3 of 28 writable properties" in dom


@pytest.mark.long
@needs_chromium
def test_three_real_certificates_in_chromium(tmp_path: Path) -> None:
    """One test, so that its runs and its browser start once, whichever worker runs it."""
    renders = _renders(tmp_path)
    for run in ("passing", "failing", "not-restored"):
        _renders_and_fits_a_phone(renders, run)
    _prints_to_pdf(renders)
    _passing_renders_certified(renders)
    _failing_renders_its_failure_with_a_working_copy_button(renders)
    _not_restored_says_so_first(renders)
