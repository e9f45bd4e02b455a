"""A report as an e-mail: a text part, an HTML part and a PDF attachment, all three from
the same rows (so what the HTML says, the text and the PDF say too)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from linewise.domains.reports import pdf
from linewise.domains.reports.content import ReportContent, Section, local
from linewise.domains.reports.models import ReportKind

TITLES = {
    ReportKind.SHIFT_DAILY: "Shift report",
    ReportKind.KPI_WEEKLY: "Weekly KPI summary",
}
NONE = "-"


def pct(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.1f} %"


def num(value: float | None, digits: int = 0) -> str:
    return NONE if value is None else f"{value:,.{digits}f}"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:,.1f} min"


@dataclass(frozen=True)
class Block:
    """One section as rows of (label, value), plus the losses drawn as bars."""

    heading: str
    period: str
    rows: list[tuple[str, str]]
    bars: list[tuple[str, float]]  # (loss, minutes)
    notes: list[str]


def _shift_rows(body: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, float]]]:
    line, kpis = body["line"], body["kpis"]
    rows = [
        ("OEE (line output)", pct(line["oee_output_based"])),
        ("OEE (stations combined)", pct(line["stations_combined_oee"])),
        ("Availability", pct(kpis.get("availability"))),
        ("Effectiveness", pct(kpis.get("effectiveness"))),
        ("Quality", pct(kpis.get("quality_ratio"))),
        ("Good units", num(body["good_total"])),
        ("Scrap units", num(body["scrap_total"])),
        ("Planned units", num(body["planned_total"], 1)),
    ]
    rows += [(f"  {o['product']} good / planned", f"{o['good']} / {num(o['planned'], 1)}")
             for o in body["output"]]  # fmt: skip
    rows.append(("Lost to stops", minutes(body["lost_total_s"])))
    rows += [(f"  {x['name']} ({x['count']} stops)", minutes(x["lost_s"]))
             for x in body["top_losses"]]  # fmt: skip
    rows.append(("Stops without a reason", str(len(body["reasonless_stops"]))))
    bars = [(str(x["name"]), x["lost_s"] / 60) for x in body["top_losses"]]
    return rows, bars


def _week_rows(body: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, float]]]:
    kpis, counts = body["kpis"], body["counts"]
    lines = body.get("lines") or [{}]
    rows = [
        ("OEE (line output)", pct(lines[0].get("oee_output_based"))),
        ("OEE (stations combined)", pct(kpis.get("oee"))),
        ("Availability", pct(kpis.get("availability"))),
        ("Effectiveness", pct(kpis.get("effectiveness"))),
        ("Quality", pct(kpis.get("quality_ratio"))),
        ("Good units", num(counts["GQ"])),
        ("Scrap units", num(counts["SQ"])),
        ("Failures", num(body["events"]["failures"])),
        ("Minor stops", num(body["events"]["minor_stops"])),
        ("Unplanned downtime", minutes(body["time_elements_s"].get("adot", 0.0))),
    ]
    return rows, []


def blocks(report: ReportContent) -> list[Block]:
    out = []
    for s in report.sections:
        rows, bars = (_shift_rows if report.kind is ReportKind.SHIFT_DAILY else _week_rows)(s.body)
        out.append(
            Block(
                heading=f"{s.line_code} {s.line_name}",
                period=_period(s),
                rows=rows,
                bars=bars,
                notes=[str(w) for w in s.body.get("warnings", [])],
            )
        )
    return out


def _period(s: Section) -> str:
    return f"{s.label}: {local(s.start, s.timezone)} to {local(s.end, s.timezone)} ({s.timezone})"


def subject(report: ReportContent, codes: list[str]) -> str:
    return f"{TITLES[report.kind]}: {', '.join(codes)}"


def text(report: ReportContent, title: str) -> str:
    parts = [title, ""]
    if not report.sections:
        parts.append("No shift of these lines ended in the period.")
    for b in blocks(report):
        parts += [b.heading, b.period]
        width = max(len(label) for label, _ in b.rows)
        parts += [f"  {label.ljust(width)}  {value}" for label, value in b.rows]
        parts += [f"  note: {n}" for n in b.notes]
        parts.append("")
    return "\n".join(parts)


def page(report: ReportContent, title: str) -> str:
    e = html.escape
    body = [f"<h1>{e(title)}</h1>"]
    if not report.sections:
        body.append("<p>No shift of these lines ended in the period.</p>")
    for b in blocks(report):
        rows = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{e(label)}</th>"
            f"<td style='text-align:right'>{e(value)}</td></tr>"
            for label, value in b.rows
        )
        notes = "".join(f"<p><em>{e(n)}</em></p>" for n in b.notes)
        body.append(f"<h2>{e(b.heading)}</h2><p>{e(b.period)}</p><table>{rows}</table>{notes}")
    style = "font-family:sans-serif;font-size:14px"
    return f"<!doctype html><html><body style='{style}'>{''.join(body)}</body></html>"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    pdf: bytes
    filename: str


def render(report: ReportContent, codes: list[str]) -> Rendered:
    title = subject(report, codes)
    stamp = report.as_of.strftime("%Y%m%d-%H%M")
    return Rendered(
        subject=title,
        text=text(report, title),
        html=page(report, title),
        pdf=pdf.document(title, blocks(report)),
        filename=f"{report.kind.value}-{stamp}.pdf",
    )


def message(sender: str, recipient: str, r: Rendered) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = r.subject
    msg.set_content(r.text)
    msg.add_alternative(r.html, subtype="html")
    msg.add_attachment(r.pdf, maintype="application", subtype="pdf", filename=r.filename)
    return msg
