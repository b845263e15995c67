"""The certificate as one HTML page, the one a person forwards to the install's owner.

Self-contained (inline CSS, one small inline script for the copy buttons, no external
resource), printable, readable on a phone, and never relying on colour alone: every
status is said in words beside its colour and icon. Everything that came from the
install, or from the run's options, is escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

from contract.report.certificate import Certificate
from contract.report.html_page import SCRIPT, STYLE
from contract.report.run_facts import restore_lines, retries_line
from contract.report.verdicts import BOTH, RequirementResult
from contract.run.exercised import prepare_command
from contract.run.outcomes import Failure, Verdict
from contract.run.settings import Frontend, with_option_names

STATUS: dict[Verdict, tuple[str, str]] = {
    "passed": ("\u2713", "passed"),
    "failed": ("\u2717", "failed"),
    "error": ("\u26a0", "error"),
    "not verifiable": ("?", "not verifiable"),
    "not run": ("\u2013", "not exercised"),
}
"""Each verdict's icon and the words the page says it in (a verdict never run is *not
exercised*)."""

TRANSPORT_NAMES = {"rest": "REST", "xmlrpc": "XML-RPC", BOTH: "both compared"}

_esc = html.escape


def status(verdict: Verdict) -> str:
    """A verdict as the page shows it: icon and words, in its colour."""
    icon, words = STATUS[verdict]
    css = verdict.replace(" ", "-")
    return f"<span class='s s-{css}'>{icon} {words}</span>"


def _cell(verdict: Verdict, note: str = "", colspan: int = 1) -> str:
    css = verdict.replace(" ", "-")
    span = f" colspan={colspan}" if colspan > 1 else ""
    extra = f" <small>({_esc(note)})</small>" if note else ""
    icon, words = STATUS[verdict]
    return f"<td class='s-{css}'{span}><span class=s>{icon} {words}</span>{extra}</td>"


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=repr)


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=repr)


def _seconds(value: float) -> str:
    if value >= 60:
        minutes, rest = divmod(value, 60)
        return f"{int(minutes)} min {rest:.0f} s"
    return f"{value:.1f} s" if value >= 10 else f"{value:.2f} s"


def _restore_box(certificate: Certificate) -> str:
    lines = restore_lines(certificate)
    if not lines:
        return ""
    restore_class = "restore left-changed" if certificate.left_changed else "restore"
    paragraphs = "".join(f"<p>{_esc(line)}</p>" for line in lines)
    return f"<div class='{restore_class}' role=alert>{paragraphs}</div>"


def _tally(results: Iterable[RequirementResult]) -> str:
    counts: dict[Verdict, int] = {}
    for result in results:
        counts[result.verdict] = counts.get(result.verdict, 0) + 1
    items = "".join(
        f"<li><b>{counts[verdict]}</b> {status(verdict)}</li>"
        for verdict in ("passed", "failed", "error", "not verifiable", "not run")
        if counts.get(verdict)
    )
    return f"<ul class=tally aria-label='Requirements by verdict'>{items}</ul>"


def _verdict_box(certificate: Certificate) -> str:
    results = certificate.results
    failed = [r.id for r in results if r.verdict == "failed"]
    unjudged = [r.id for r in results if r.verdict == "error"]
    parts = []
    if failed:
        parts.append(f"Requirements that failed: {', '.join(failed)}.")
    if unjudged:
        parts.append(f"Requirements whose check could not judge: {', '.join(unjudged)}.")
    meaning = " ".join(parts) or "No requirement passed."
    if certificate.certified:
        meaning = "Every requirement passed or could not be verified, and at least one passed."
    elif certificate.coverage_refused:
        meaning = (
            "Every requirement passed or could not be verified, but the run was asked to "
            "exercise every writable property and verify every requirement, and left some "
            "out."
        )
    headline = certificate.coverage.headline()
    if headline:
        meaning += f" {headline[0].upper()}{headline[1:]}."
    box = "certified" if certificate.certified else "not-certified"
    return (
        f"<section class='verdict {box}' aria-label='Verdict'>"
        f"<p><b>{_esc(meaning)}</b></p>"
        f"<p>Target <code>{_esc(str(certificate.target))}</code>, {_esc(certificate.date)}; "
        f"library {_esc(certificate.version)}, schema {_esc(certificate.schema_fingerprint)}, "
        f"seed {certificate.seed}; the run took {_esc(_seconds(certificate.seconds))}.</p>"
        f"{_policy_line(certificate)}{_tally(results)}</section>"
    )


def _policy_line(certificate: Certificate) -> str:
    policies = certificate.policies
    if policies["readonly"] is None and policies["unknown"] is None:
        return ""
    return (
        f"<p>Policies: read-only properties <b>{_esc(str(policies['readonly']))}</b>, "
        f"unknown properties <b>{_esc(str(policies['unknown']))}</b>; transports "
        f"{_esc(', '.join(TRANSPORT_NAMES.get(t, t) for t in certificate.transports))}.</p>"
    )


def _limits(certificate: Certificate) -> str:
    items = []
    coverage = certificate.coverage
    if coverage.complete:
        items.append(
            f"<li>Every one of the {len(coverage.writable)} writable properties was exercised.</li>"
        )
    else:
        reasons = "".join(
            f"<li><code>{_esc(name)}</code>: {_esc(coverage.reasons[name])}</li>"
            for name in coverage.not_exercised
        )
        url = certificate.options.get("url")
        prepare = "".join(
            f" <code>{_esc(prepare_command(url, contact_id))}</code>"
            for contact_id, why in certificate.unexercised.items()
            if why
        )
        items.append(
            f"<li><b>Not exercised: {len(coverage.not_exercised)} of "
            f"{len(coverage.writable)} writable properties</b>, whose values the run could "
            f"not have put back, so it sent them nothing:<ul>{reasons}</ul>Filling the "
            f"contact's values once exercises them:{prepare}.</li>"
        )
    run = certificate.transports
    for transport in ("rest", "xmlrpc"):
        if run and transport not in run:
            items.append(
                f"<li>{TRANSPORT_NAMES[transport]} was not exercised: the run certified "
                f"{_esc(', '.join(TRANSPORT_NAMES.get(t, t) for t in run))} only.</li>"
            )
    for limit in certificate.fold.limits:
        over = TRANSPORT_NAMES.get(limit.transport, limit.transport)
        items.append(
            f"<li>Storage limit: the install refused {_esc(limit.value)} in "
            f"<code>{_esc(limit.property)}</code> over {_esc(over)} "
            f"({_esc(limit.answer)}); a limit the contract allows, not a failure.</li>"
        )
    for result in certificate.results:
        if result.verdict == "not verifiable":
            items.append(
                f"<li>{_esc(result.id)} could not be verified: "
                f"{_esc((result.reason or '').removeprefix('not verifiable: '))}</li>"
            )
        elif result.verdict == "error":
            items.append(
                f"<li>{_esc(result.id)}: the check itself could not judge: "
                f"{_esc(result.reason or '')}</li>"
            )
        elif result.failure is not None and not result.failure.fully_shrunk:
            items.append(
                f"<li>{_esc(result.id)}: the failure's payload is not fully shrunk (the "
                "shrink budget ran out); a smaller one may fail too.</li>"
            )
    retried = retries_line(certificate)
    if retried is not None:
        said = with_option_names(retried, Frontend.CLI)
        items.append(f"<li>{_esc(said[:1].upper() + said[1:])}.</li>")
    if not certificate.options:
        items.append("<li>The run's options were not recorded (a replay, or a run by pytest).</li>")
    return (
        "<section aria-labelledby=limits><h2 id=limits>Limits of this certificate</h2>"
        f"<ul class=limits>{''.join(items)}</ul></section>"
    )


_OPTION_LABELS = {
    "url": "install URL",
    "user": "user",
    "contact_ids": "contacts under test",
    "witness_ids": "witness contacts",
    "transports": "transports",
    "xmlrpc_url": "XML-RPC URL",
    "readonly_policy": "read-only policy",
    "unknown_policy": "unknown policy",
    "examples": "examples per requirement and transport",
    "seed": "seed",
    "timeout": "answer time-out (s)",
    "retries": "retries of a request the network lost",
    "schema_extension": "schema extension",
    "record": "recorded to",
    "replay": "replayed from",
    "rate_limit": "rate limit",
    "connections": "connections",
    "shrink_budget": "shrink budget (requests)",
    "verify_tls": "TLS certificate checked",
    "allow_irreversible": "irreversible values exercised",
    "require_full_coverage": "every writable property must be exercised",
}

_POLICIES = {
    "reject": "refuse the update",
    "ignore": "drop them and apply the rest",
    "either": "either refuse the update or drop them",
}


def _option_value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return str(value) if isinstance(value, (str, int, float)) else _shown(value)


def _run(certificate: Certificate) -> str:
    versions = certificate.versions
    facts = [
        ("Target", f"<code>{_esc(str(certificate.target))}</code>"),
        ("Date", _esc(certificate.date)),
        ("Duration", _esc(_seconds(certificate.seconds))),
        (
            "Seed",
            f"{certificate.seed} (the same seed replays the run: <code>--seed "
            f"{certificate.seed}</code>)",
        ),
        ("Library", _esc(versions["library"])),
        ("Schema", f"fingerprint <code>{_esc(versions['schema'])}</code>"),
        ("Python, Hypothesis", f"{_esc(versions['python'])}, {_esc(versions['hypothesis'])}"),
    ]
    for name, value in certificate.policies.items():
        if value is not None:
            what = "read-only" if name == "readonly" else "unknown"
            meaning = _POLICIES.get(value, "")
            facts.append(
                (
                    f"{what.capitalize()} policy",
                    f"<b>{_esc(value)}</b>: an update carrying {what} properties must "
                    f"{_esc(meaning)}",
                )
            )
    dl = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
    return (
        "<section aria-labelledby=run><h2 id=run>The run</h2>"
        f"<dl class=facts>{dl}</dl><p>Every option is listed at the "
        "<a href='#options'>end</a>.</p></section>"
        if certificate.options
        else "<section aria-labelledby=run><h2 id=run>The run</h2>"
        f"<dl class=facts>{dl}</dl></section>"
    )


def _options(certificate: Certificate) -> str:
    rows = "".join(
        f"<tr><th scope=row>{_esc(_OPTION_LABELS.get(name, name))}</th>"
        f"<td><code>{_esc(_option_value(value))}</code></td></tr>"
        for name, value in certificate.options.items()
    )
    if not rows:
        return ""
    return (
        "<section aria-labelledby=options><h2 id=options>Every option</h2>"
        "<div class=scroll role=region aria-labelledby=options-caption tabindex=0>"
        "<table><caption id=options-caption>The options the run was made with (the API "
        "key is never shown)</caption>"
        "<thead><tr><th scope=col>option</th><th scope=col>value</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _failures_of(result: RequirementResult) -> list[tuple[str, Failure]]:
    """Each distinct failure of *result*, one per transport, with its anchor on the page."""
    found: list[tuple[str, Failure]] = []
    for transport, over in result.by_transport.items():
        if over.failure is not None and over.failure not in [f for _, f in found]:
            found.append((f"failure-{result.id}-{transport}", over.failure))
    if not found and result.failure is not None:
        found.append((f"failure-{result.id}", result.failure))
    return found


def _matrix(certificate: Certificate) -> str:
    shown = ["rest", "xmlrpc"]
    head = "".join(f"<th scope=col>{TRANSPORT_NAMES[t]}</th>" for t in shown)
    rows = []
    for result in certificate.results:
        per = result.by_transport
        failures = _failures_of(result)
        name = f"<span class=id>{_esc(result.id)}</span>"
        if failures:
            name = f"<a href='#{failures[0][0]}'>{name}</a>"
        cells = ""
        if per and set(per) == {BOTH}:
            cells = _cell(per[BOTH].verdict, "both compared", colspan=len(shown))
        else:
            for transport in shown:
                verdict = per[transport].verdict if transport in per else "not run"
                cells += _cell(verdict)
        rows.append(
            f"<tr><th scope=row>{name}<small>{_esc(result.requirement.statement)}</small></th>"
            f"{cells}{_cell(result.verdict)}</tr>"
        )
    legend = " ".join(status(verdict) for verdict in STATUS)
    return (
        "<section aria-labelledby=matrix><h2 id=matrix>Requirements \u00d7 transports</h2>"
        "<div class=scroll role=region aria-labelledby=matrix-caption tabindex=0>"
        "<table class=matrix><caption id=matrix-caption>Each requirement's verdict over "
        "each transport, and overall</caption>"
        f"<thead><tr><th scope=col>requirement</th>{head}<th scope=col>overall</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table></div>"
        f"<p class=legend>Key: {legend}. The icon and the words say each status; the "
        "colour only repeats them.</p></section>"
    )


def _failure(result: RequirementResult, failure: Failure, anchor: str) -> str:
    statement = _esc(result.requirement.statement)
    transport = TRANSPORT_NAMES.get(failure.transport or BOTH, failure.transport or "")
    owner = ""
    if failure.requirement != result.requirement:
        owner = (
            f"<p>A failure of {_esc(failure.requirement.id)}, met by this requirement's tests.</p>"
        )
    found = (
        "a fixed coverage case: any seed finds it"
        if failure.phase == "coverage"
        else f"an explored case, with seed {failure.seed}"
    )
    if not failure.fully_shrunk:
        found += " (not fully shrunk: the shrink budget ran out)"
    if failure.reproduction:
        reproduction = (
            f"<pre id={anchor}-repro>{_esc(failure.reproduction)}</pre>"
            f"<button type=button class=copy data-copy={anchor}-repro hidden "
            f"aria-label='Copy the reproduction of {_esc(result.id)} over {_esc(transport)}'>"
            "Copy</button><span class=copied role=status aria-live=polite></span>"
        )
    else:
        reproduction = "<p>No single request reproduces it: replay the run with its seed.</p>"
    return (
        f"<article class=failure id={anchor} aria-labelledby={anchor}-h>"
        f"<h3 id={anchor}-h>{status(result.verdict)} {_esc(result.id)} over "
        f"{_esc(transport)}: {statement}</h3>{owner}<dl>"
        f"<dt>Expected</dt><dd>{_esc(failure.expected)}</dd>"
        f"<dt>Answer</dt><dd><pre>{_esc(failure.got)}</pre></dd>"
        f"<dt>Payload</dt><dd><pre>{_esc(_pretty(failure.payload))}</pre></dd>"
        f"<dt>Reproduction</dt><dd>{reproduction}</dd>"
        f"<dt>Found by</dt><dd>{_esc(found)}; replay the run with "
        f"<code>--seed {failure.seed}</code></dd>"
        "</dl><details><summary>The whole failure, as the terminal said it</summary>"
        f"<pre>{_esc(failure.message)}</pre></details></article>"
    )


def _failures(certificate: Certificate) -> str:
    failures = [
        _failure(result, failure, anchor)
        for result in certificate.results
        for anchor, failure in _failures_of(result)
    ]
    if not failures:
        return ""
    return (
        "<section aria-labelledby=failures><h2 id=failures>Failures</h2>"
        "<p>Each with what the contract expects, what the install answered, the payload "
        "sent, and a command that sends it again (it reads the API key from "
        "<code>$CONTRACT_API_KEY</code>).</p>"
        f"{''.join(failures)}</section>"
    )


def _per_case(requests: int, cases: int) -> str:
    return f"{requests / cases:.2f}" if cases else "\u2013"


def _cases(certificate: Certificate) -> str:
    results = certificate.results
    rows = "".join(
        f"<tr><th scope=row>{_esc(r.id)}</th><td class=n>{r.coverage}</td>"
        f"<td class=n>{r.cases - r.coverage}</td><td class=n>{r.cases}</td>"
        f"<td class=n>{r.requests}</td>"
        f"<td class=n>{_per_case(r.requests, r.cases)}</td>"
        f"<td class=n>{_esc(_seconds(r.seconds))}</td></tr>"
        for r in results
    )
    cases = sum(r.cases for r in results)
    coverage = sum(r.coverage for r in results)
    requests = sum(r.requests for r in results)
    seconds = sum(r.seconds for r in results)
    per_case = _per_case(requests, cases)
    total = (
        f"<tr><th scope=row>total</th><td class=n>{coverage}</td>"
        f"<td class=n>{cases - coverage}</td><td class=n>{cases}</td><td class=n>{requests}</td>"
        f"<td class=n>{per_case}</td><td class=n>{_esc(_seconds(seconds))}</td></tr>"
    )
    head = "".join(
        f"<th scope=col class=n>{name}</th>"
        for name in ("coverage cases", "explored cases", "cases", "requests", "per case", "time")
    )
    return (
        "<section aria-labelledby=cases><h2 id=cases>Cases, requests and time</h2>"
        "<p>Coverage cases are fixed ones every run sends; explored cases are drawn by "
        f"Hypothesis from the seed. Times add up each requirement's tests; the whole run "
        f"took {_esc(_seconds(certificate.seconds))}.</p>"
        "<div class=scroll role=region aria-labelledby=cases-caption tabindex=0>"
        "<table><caption id=cases-caption>Cases, requests and time per requirement</caption>"
        f"<thead><tr><th scope=col>requirement</th>{head}</tr></thead>"
        f"<tbody>{rows}</tbody><tfoot>{total}</tfoot></table></div></section>"
    )


def to_html(certificate: Certificate) -> str:
    """The certificate as one self-contained HTML page."""
    verdict = _esc(certificate.verdict)
    verdict_class = certificate.verdict.replace(" ", "-")
    icon = "\u2713" if certificate.certified else "\u2717"
    contents = [("limits", "Limits"), ("matrix", "Matrix")]
    if any(r.failure is not None for r in certificate.results):
        contents.append(("failures", "Failures"))
    contents += [("cases", "Cases and time"), ("run", "The run")]
    if certificate.options:
        contents.append(("options", "Options"))
    nav = "".join(f"<li><a href='#{anchor}'>{name}</a></li>" for anchor, name in contents)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>UpdateContact certificate: {verdict} \u2013 {_esc(str(certificate.target))}"
        f"</title><style>{STYLE}</style></head><body><header>"
        + _restore_box(certificate)
        + f"<h1>UpdateContact certificate: <span class='{verdict_class}'>"
        f"{icon} {verdict}</span></h1>"
        + _verdict_box(certificate)
        + f"<nav aria-label=Contents><ul>{nav}</ul></nav></header><main>"
        + _limits(certificate)
        + _matrix(certificate)
        + _failures(certificate)
        + _cases(certificate)
        + _run(certificate)
        + _options(certificate)
        + "</main><footer>Written by the UpdateContact contract library "
        f"{_esc(certificate.version)}. The same certificate exists as JSON, Markdown and "
        "JUnit XML (<code>--report</code> with <code>.json</code>, <code>.md</code>, "
        f"<code>.xml</code>).</footer><script>{SCRIPT}</script></body></html>\n"
    )
