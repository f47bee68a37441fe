"""The report as Markdown, as one self-contained HTML file (charts embedded as data: URIs,
each followed by its data table) and as PDF.

PDF: fpdf2, a maintained pure-Python library (no system libraries, unlike WeasyPrint; lighter
than ReportLab for headings, paragraphs, images and tables). Its text uses the DejaVu Sans
font matplotlib ships, so accents and non-Latin letters print.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from core import i18n
from core.evaluation import charts
from core.evaluation.report import Chart, Report, Table

if TYPE_CHECKING:
    from fpdf import FPDF

Drawn = Callable[[Chart], bytes]


def _drawer() -> Callable[[Chart], bytes]:
    """Draw each chart once, even when a format needs it twice."""
    cache: dict[int, bytes] = {}

    def draw(chart: Chart) -> bytes:
        if id(chart) not in cache:
            cache[id(chart)] = charts.png(chart)
        return cache[id(chart)]

    return draw


# ---- Markdown -------------------------------------------------------------------------------


def _md_cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|")


def _md_table(table: Table) -> list[str]:
    lines = [f"*{_md_cell(table.caption)}*", ""]
    lines.append("| " + " | ".join(_md_cell(h) for h in table.headers) + " |")
    lines.append("|" + "---|" * len(table.headers))
    lines.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows)
    return [*lines, ""]


def markdown(report: Report) -> str:
    """Markdown: the charts appear as their data tables (text reads everywhere)."""
    lines = [f"# {report.title}", "", report.subtitle, ""]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        for chart in section.charts:
            lines += [f"### {chart.title}", ""]
            lines += _md_table(chart.table())
        for table in section.tables:
            lines += _md_table(table)
    return "\n".join(lines).rstrip() + "\n"


# ---- HTML -----------------------------------------------------------------------------------

# untranslated: CSS
CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5;
  max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2.2rem; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: 0.4rem; }
table { border-collapse: collapse; margin: 0.8rem 0 1.4rem; width: 100%; }
caption { text-align: start; font-style: italic; padding-bottom: 0.3rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: start; }
th { background: #f3f3f3; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  section, figure, table { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _html_table(table: Table) -> str:
    # untranslated: HTML markup
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in table.headers)
    body = "".join(
        "<tr>"
        + "".join(
            # untranslated: HTML markup
            f'<th scope="row">{_e(cell)}</th>' if i == 0 else f"<td>{_e(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    return (
        f"<table><caption>{_e(table.caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _figure(chart: Chart, draw: Drawn) -> str:
    encoded = base64.b64encode(draw(chart)).decode("ascii")
    alt = i18n.t("{title}: the data follows in a table.", title=chart.title)
    return (  # untranslated: HTML markup
        f'<figure><figcaption>{_e(chart.title)}</figcaption><img src="data:image/png;base64,'
        f'{encoded}" alt="{_e(alt)}">{_html_table(chart.table())}</figure>'
    )


def html_document(report: Report, draw: Drawn | None = None) -> str:
    draw = draw or _drawer()
    code = i18n.current()
    direction = "rtl" if i18n.is_rtl(code) else "ltr"
    # untranslated: HTML markup
    parts = [
        # untranslated: HTML markup
        "<!DOCTYPE html>",
        # untranslated: HTML markup
        f'<html lang="{_e(code)}" dir="{direction}"><head><meta charset="utf-8">',
        # untranslated: HTML markup
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{_e(report.title)}</h1><p>{_e(report.subtitle)}</p></header><main>",
    ]
    for section in report.sections:
        parts.append(  # untranslated: HTML markup
            f'<section id="{_e(section.key)}" aria-labelledby="{_e(section.key)}-title">'
            f'<h2 id="{_e(section.key)}-title">{_e(section.title)}</h2>'
        )
        parts.extend(f"<p>{_e(p)}</p>" for p in section.paragraphs)
        parts.extend(_figure(chart, draw) for chart in section.charts)
        parts.extend(_html_table(table) for table in section.tables)
        parts.append("</section>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


# ---- PDF ------------------------------------------------------------------------------------


def _pdf_table(pdf: FPDF, table: Table, align: str) -> None:
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, table.caption, new_x="LMARGIN", new_y="NEXT", align=align)
    with pdf.table(text_align="RIGHT" if align == "R" else "LEFT", line_height=5) as grid:
        heading = grid.row()
        for header in table.headers:
            heading.cell(header)
        for row in table.rows:
            line = grid.row()
            for cell in row:
                line.cell(cell)
    pdf.ln(3)


def pdf_document(report: Report, draw: Drawn | None = None) -> bytes:
    from fpdf import FPDF

    draw = draw or _drawer()
    pdf = FPDF(format="A4")
    pdf.set_title(report.title)
    pdf.add_font("DejaVu", "", charts.font_path())
    pdf.add_font("DejaVu", "B", charts.font_path(bold=True))
    pdf.set_auto_page_break(auto=True, margin=15)
    rtl = i18n.is_rtl(i18n.current())
    align = "R" if rtl else "L"  # untranslated: fpdf2's alignment codes
    # Letters joined and ordered as the language writes them (Arabic right to left).
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 9, report.title, new_x="LMARGIN", new_y="NEXT", align=align)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, report.subtitle, new_x="LMARGIN", new_y="NEXT", align=align)
    for section in report.sections:
        pdf.ln(4)
        pdf.start_section(section.title)
        pdf.set_font("DejaVu", "B", 14)
        pdf.multi_cell(0, 8, section.title, new_x="LMARGIN", new_y="NEXT", align=align)
        pdf.set_font("DejaVu", "", 10)
        for paragraph in section.paragraphs:
            pdf.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT", align=align)
            pdf.ln(2)
        for chart in section.charts:
            pdf.set_font("DejaVu", "B", 11)
            pdf.multi_cell(0, 6, chart.title, new_x="LMARGIN", new_y="NEXT", align=align)
            pdf.image(io.BytesIO(draw(chart)), w=pdf.epw, alt_text=chart.title)
            _pdf_table(pdf, chart.table(), align)
        for table in section.tables:
            _pdf_table(pdf, table, align)
    return bytes(pdf.output())


FORMATS = ("html", "pdf", "md")


def render(report: Report, fmt: str) -> bytes:
    """The report in one of FORMATS, as bytes (UTF-8 text for HTML and Markdown)."""
    if fmt == "pdf":
        return pdf_document(report)
    if fmt == "md":
        return markdown(report).encode("utf-8")
    return html_document(report).encode("utf-8")
