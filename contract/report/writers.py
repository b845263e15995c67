"""The certificate written out: a terminal summary, JSON, Markdown and one HTML page
(:mod:`contract.report.html`).

JUnit XML comes from pytest's own writer (``--junitxml``), which the run switches on for
a ``.xml`` report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from contract.report.certificate import Certificate
from contract.report.html import to_html
from contract.report.run_facts import restore_lines, retries_line
from contract.report.verdicts import RequirementResult
from contract.run.exercised import REFUSED_VALID, plural, prepare_command
from contract.run.settings import REPORT_FORMATS, Frontend, with_option_names

_MARKS = {
    "passed": "PASS",
    "failed": "FAIL",
    "error": "ERROR",
    "not verifiable": "N/V",
    "not run": "-",
}


def _detail(result: RequirementResult, certificate: Certificate) -> str:
    if result.failure is not None:
        return result.failure.got
    missed = certificate.coverage.missed_by(result.requirement)
    if result.reason is None and missed and result.verdict == "passed":
        return f"not exercised: {', '.join(missed)}"
    if result.reason is None and result.shared:
        return f"also judged on {plural(result.shared, 'request')} another test sent"
    return result.reason or ""


def not_exercised_notice(
    contact_id: int, reasons: Mapping[str, str], exercised: bool, prepare: str | None
) -> str:
    """What a run says first when the contact holds values it could not put back; options
    as ``{--name}``, for the front end to spell. *prepare* is the command that fills empty
    values (no help for a valid value the install refuses)."""
    one = len(reasons) == 1
    whose, them = ("whose value", "it") if one else ("whose values", "them")
    held = (
        f"{plural(len(reasons), 'property')} {whose} the run could not put back "
        f"({', '.join(reasons)}): {'; '.join(reasons.values())}"
    )
    if exercised:
        return (
            f"WARNING: exercised on contact {contact_id} anyway ({{--allow-irreversible}}), "
            f"so the run may leave {them} changed: {held}"
        )
    fill = ""
    if prepare and any(not why.startswith(REFUSED_VALID) for why in reasons.values()):
        fill = f"`{prepare}` fills empty values with valid ones once, or "
    return (
        f"not exercised on contact {contact_id}: {held}; {fill}{{--allow-irreversible}} "
        f"exercises {them} anyway"
    )


def _cli(template: str) -> str:
    return with_option_names(template, Frontend.CLI)


def summary_lines(
    certificate: Certificate, *, restore: bool = True, spell: Callable[[str], str] = _cli
) -> list[str]:
    """The restore outcome (unless *restore* is false), a table of verdicts, then the
    overall verdict, the requests the network made the run send again, and what was not
    exercised, for a terminal; options spelt with *spell*."""
    lines = restore_lines(certificate) if restore else []
    lines.append(f"{'requirement':<14} {'verdict':<6} {'cases':>6} {'requests':>9}  note")
    for result in certificate.results:
        detail = _detail(result, certificate)
        note = detail.splitlines()[0][:70] if detail else ""
        mark = _MARKS[result.verdict]
        lines.append(f"{result.id:<14} {mark:<6} {result.cases:>6} {result.requests:>9}  {note}")
    lines.append(f"{verdict_words(certificate)}: {certificate.target} (seed {certificate.seed})")
    retried = retries_line(certificate)
    if retried is not None:
        lines.append(spell(retried))
    return lines + coverage_lines(certificate)


def verdict_words(certificate: Certificate) -> str:
    """``CERTIFIED``, or ``CERTIFIED, 23 of 28 writable properties exercised (not
    exercised: …)`` when the run left any out."""
    headline = certificate.coverage.headline()
    verdict = certificate.verdict.upper()
    return f"{verdict}, {headline}" if headline else verdict


def coverage_lines(certificate: Certificate) -> list[str]:
    """Why each property was not exercised, what a run that must exercise them all (and
    verify every requirement) made of it, and the command that fills the contact; nothing
    when the run exercised every one and was not refused for want of coverage."""
    coverage = certificate.coverage
    lines = [f"not exercised: {coverage.reasons[name]}" for name in coverage.not_exercised]
    if certificate.coverage_refused:
        lines += [
            f"not verified: {result.id}: {(result.reason or '').removeprefix('not verifiable: ')}"
            for result in certificate.unverified
        ]
        lines.append(
            "not certified for that alone: the run was asked to exercise every writable "
            "property and verify every requirement (require full coverage)"
        )
    if coverage.complete:
        return lines
    url = certificate.options.get("url")
    for contact_id, reasons in certificate.unexercised.items():
        if any(not why.startswith(REFUSED_VALID) for why in reasons.values()):
            lines.append(
                f"to exercise them, fill contact {contact_id}'s empty values once with "
                f"`{prepare_command(url, contact_id)}`"
            )
    return lines


def to_markdown(certificate: Certificate) -> str:
    """The certificate as a Markdown document."""
    headline = certificate.coverage.headline()
    verdict = f"{certificate.verdict}, {headline}" if headline else certificate.verdict
    out = [f"# UpdateContact certificate: {verdict}", ""]
    retried = retries_line(certificate)
    restored = restore_lines(certificate)
    if restored:
        marker = "**" if certificate.left_changed else ""
        out += [f"- {marker}{line}{marker}" for line in restored] + [""]
    out += [
        f"- target: {certificate.target}",
        f"- date: {certificate.date}",
        f"- library version: {certificate.version}, schema {certificate.schema_fingerprint}",
        f"- seed: {certificate.seed}",
        f"- not exercised: {', '.join(certificate.not_exercised) or 'none'}",
        *(f"  - {line}" for line in coverage_lines(certificate)),
        *([f"- {_cli(retried)}"] if retried is not None else []),
        "",
        "| requirement | verdict | cases | requests | transports | note |",
        "|---|---|---:|---:|---|---|",
    ]
    for result in certificate.results:
        note = _detail(result, certificate).replace("|", "\\|").replace("\n", " ")[:200]
        out.append(
            f"| {result.id} | {result.verdict} | {result.cases} | {result.requests} "
            f"| {', '.join(result.transports)} | {note} |"
        )
    failures = [(r, r.failure) for r in certificate.results if r.failure is not None]
    if failures:
        out += ["", "## Failures"]
        for result, failure in failures:
            out += [
                "",
                f"### {result.id}: {result.requirement.statement}",
                "",
                "```text",
                failure.message,
                "```",
            ]
    return "\n".join(out) + "\n"


def write_report(certificate: Certificate, path: Path) -> None:
    """Write the certificate in the format its file name asks for."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(certificate.to_dict(), indent=2, ensure_ascii=True, default=repr) + "\n"
    elif suffix == ".md":
        text = to_markdown(certificate)
    elif suffix == ".html":
        text = to_html(certificate)
    else:
        raise ValueError(f"a report is {', '.join(REPORT_FORMATS)}, not {path.name}")
    path.write_text(text, encoding="utf-8")
