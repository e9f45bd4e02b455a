"""The PDF attachment, drawn with fpdf2 (pure Python, no system packages): a table per
line and the top losses as plain bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fpdf import FPDF

if TYPE_CHECKING:
    from linewise.domains.reports.render import Block

BAR_WIDTH_MM = 90.0
EMPTY = "No shift of these lines ended in the period."


def _latin(s: str) -> str:
    # The built-in Helvetica covers Latin-1; anything else prints as "?" rather than fail.
    return s.encode("latin-1", "replace").decode("latin-1")


def document(title: str, blocks: list[Block]) -> bytes:
    doc = FPDF(format="A4")
    doc.set_title(_latin(title))
    doc.set_creator("Linewise")
    doc.set_auto_page_break(auto=True, margin=15)
    doc.add_page()
    doc.set_font("Helvetica", "B", 16)
    doc.cell(0, 10, _latin(title), new_x="LMARGIN", new_y="NEXT")
    if not blocks:
        doc.set_font("Helvetica", "", 11)
        doc.cell(
            0, 8, "No shift of these lines ended in the period.", new_x="LMARGIN", new_y="NEXT"
        )
    for b in blocks:
        doc.ln(4)
        doc.set_font("Helvetica", "B", 13)
        doc.cell(0, 8, _latin(b.heading), new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", 9)
        doc.cell(0, 6, _latin(b.period), new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", 10)
        for label, value in b.rows:
            doc.cell(90, 6, _latin(label))
            doc.cell(40, 6, _latin(value), align="R", new_x="LMARGIN", new_y="NEXT")
        _bars(doc, b.bars)
        doc.set_font("Helvetica", "I", 9)
        for note in b.notes:
            doc.multi_cell(0, 5, _latin(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def _bars(doc: FPDF, bars: list[tuple[str, float]]) -> None:
    """Minutes lost per reason, the longest bar the full width."""
    longest = max((m for _, m in bars), default=0.0)
    if longest <= 0:
        return
    doc.ln(2)
    doc.set_font("Helvetica", "B", 10)
    doc.cell(0, 6, "Top losses (minutes)", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)
    doc.set_fill_color(200, 60, 60)
    for name, mins in bars:
        y = doc.get_y()
        doc.cell(45, 5, _latin(name)[:28])
        doc.rect(doc.l_margin + 46, y + 1, max(BAR_WIDTH_MM * mins / longest, 0.5), 3.5, "F")
        doc.set_x(doc.l_margin + 48 + BAR_WIDTH_MM)
        doc.cell(20, 5, f"{mins:,.1f}", align="R", new_x="LMARGIN", new_y="NEXT")
