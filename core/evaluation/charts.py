"""Charts as PNG images, drawn headless with matplotlib (the Agg backend): one figure per
chart. matplotlib is imported here only, and only when a chart is drawn, so nothing else
pays for it."""

from __future__ import annotations

import io
from typing import Any

from core.evaluation.report import Chart

WIDTH_INCHES = 8.0
HEIGHT_INCHES = 3.6
DPI = 110


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # untranslated: no display (a server, a CLI, CI)
    import matplotlib.pyplot as plt

    return plt


def png(chart: Chart) -> bytes:
    """The chart as a grouped bar chart, as PNG bytes."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    try:
        count = max(1, len(chart.series))
        width = 0.8 / count
        positions = range(len(chart.categories))
        for index, (name, values) in enumerate(chart.series):
            offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
            axes.bar(offsets, list(values), width=width, label=name)
        axes.set_xticks(list(positions))
        axes.set_xticklabels(
            list(chart.categories),
            rotation=30 if len(chart.categories) > 6 else 0,
            ha="right" if len(chart.categories) > 6 else "center",
            fontsize=8,
        )
        axes.set_ylabel(chart.value_label)
        axes.set_title(chart.title)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.spines[["top", "right"]].set_visible(False)
        if count > 1:
            axes.legend(frameon=False, fontsize=8)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def font_path(*, bold: bool = False) -> str:
    """DejaVu Sans, which matplotlib ships: the PDF's font (accents and non-Latin letters)."""
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"  # untranslated: file names
    return f"{matplotlib.get_data_path()}/fonts/ttf/{name}"
