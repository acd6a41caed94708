"""XmR charts as SVG or PNG (matplotlib, Agg), with simple variation and assurance icons.

Colours and the short-segment caption are NHSRplotthedots' (ptd_spc_colours.R, ptd_create_ggplot.R).
A missing period (a gap, e.g. a suppressed count) is drawn as a break in the line, not bridged."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from caretrust.population.spc import SHORT_GROUP_CAPTION, XmrResult

COLOURS = {
    "common_cause": "#a6a6a6",
    "special_cause_improvement": "#00b0f0",
    "special_cause_concern": "#e46c0a",
    "special_cause_neutral_high": "#490092",
    "special_cause_neutral_low": "#490092",
}
ICON_LETTER = {"consistent_pass": "P", "consistent_fail": "F", "inconsistent": "?"}
ICON_COLOUR = {
    "consistent_pass": "#0072c6",
    "consistent_fail": "#ff6600",
    "inconsistent": "#7f7f7f",
}


def xmr_chart(
    result: XmrResult,
    labels: Sequence[str] | None = None,
    *,
    title: str = "",
    fmt: str = "svg",
) -> bytes:
    """The chart as ``fmt`` ("svg" or "png") bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from itertools import groupby

    from matplotlib import pyplot as plt

    xs = list(range(len(result.points)))
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=100)
    # NaN values break the line, so a gap is shown as a gap
    ax.plot(xs, [p.value for p in result.points], color="#a6a6a6", linewidth=1, zorder=1)
    shown = [p for p in result.points if not p.missing]
    ax.scatter(
        [p.index for p in shown],
        [p.value for p in shown],
        zorder=2,
        s=18,
        c=[COLOURS[p.point_type] for p in shown],
    )
    # each rebase segment has its own centre line and limits, drawn apart
    for _, segment in groupby(result.points, key=lambda p: p.segment):
        seg = list(segment)
        for attr, style, colour in (
            ("mean", "-", "#000000"),
            ("upper_limit", "--", "#a6a6a6"),
            ("lower_limit", "--", "#a6a6a6"),
        ):
            ax.plot(
                [p.index for p in seg],
                [getattr(p, attr) for p in seg],
                color=colour,
                linestyle=style,
                linewidth=0.8,
            )
    if result.target is not None:
        ax.axhline(result.target, color="#de2d26", linestyle=":", linewidth=1)
    if labels is not None:
        step = max(1, len(xs) // 8)
        ax.set_xticks(xs[::step], [str(label) for label in labels][::step], fontsize=7)
    ax.set_title(title, fontsize=9, loc="left")
    if result.short_segments:
        fig.text(0.01, 0.01, SHORT_GROUP_CAPTION, fontsize=6, ha="left", va="bottom")
    _icons(fig, result)
    # Fixed margins: tight_layout measured every label and took a third of the drawing time.
    fig.subplots_adjust(left=0.08, right=0.84, top=0.88, bottom=0.16)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    return buffer.getvalue()


def _icons(fig, result: XmrResult) -> None:
    """Two circles at the right: variation (coloured by the last point's type, arrow high/low as
    the package's icon is) and assurance (letter P/F/? when a target is given)."""
    colour = COLOURS[result.variation_icon]
    name = result.variation_icon_name
    arrow = "" if name == "common_cause" else ("▲" if name.endswith("_high") else "▼")
    fig.text(0.9, 0.62, "●", color=colour, fontsize=30, ha="center", va="center")
    fig.text(0.9, 0.62, arrow, color="white", fontsize=10, ha="center", va="center")
    if result.assurance_icon:
        fig.text(
            0.9,
            0.3,
            "●",
            color=ICON_COLOUR[result.assurance_icon],
            fontsize=30,
            ha="center",
            va="center",
        )
        fig.text(
            0.9,
            0.3,
            ICON_LETTER[result.assurance_icon],
            color="white",
            fontsize=10,
            ha="center",
            va="center",
        )


def calibration_chart(deciles: Sequence[tuple[int, float, float]], *, title: str = "") -> str:
    """Calibration by decile as a small inline SVG (no matplotlib: drawn in microseconds): mean
    predicted risk (x) against the observed share admitted (y) for each decile, with the line of
    perfect calibration. ``deciles``: (decile, mean predicted, observed), as `risk.evaluate`
    gives them. The SVG has a title and description for screen readers; the same figures are in
    a table beside it."""
    from html import escape

    width, height, pad = 320, 320, 44
    top = max([0.01, *(max(p, o) for _, p, o in deciles)])
    top = math.ceil(top * 10) / 10 if top > 0.1 else math.ceil(top * 100) / 100

    def x(v: float) -> float:
        return pad + (width - 2 * pad + 16) * v / top

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad + 16) * v / top

    ticks = [top * k / 4 for k in range(5)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="cal-title cal-desc">',
        f'<title id="cal-title">{escape(title or "Calibration by decile")}</title>',
        '<desc id="cal-desc">Observed share admitted against mean predicted risk for each '
        "tenth of people by predicted risk; points on the diagonal are perfectly calibrated."
        "</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(top):.1f}" y2="{y(top):.1f}" '
        'stroke="#768692" stroke-dasharray="4 3"/>',
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(top):.1f}" y2="{y(0):.1f}" stroke="#212b32"/>',
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(0):.1f}" y2="{y(top):.1f}" stroke="#212b32"/>',
    ]
    for t in ticks:
        parts.append(
            f'<text x="{x(t):.1f}" y="{y(0) + 16:.1f}" font-size="11" text-anchor="middle" '
            f'fill="#212b32">{t:.0%}</text>'
        )
        parts.append(
            f'<text x="{x(0) - 6:.1f}" y="{y(t) + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#212b32">{t:.0%}</text>'
        )
    parts.append(
        f'<text x="{(x(0) + x(top)) / 2:.1f}" y="{height - 6}" font-size="12" '
        'text-anchor="middle" fill="#212b32">Mean predicted risk</text>'
    )
    parts.append(
        f'<text x="12" y="{(y(0) + y(top)) / 2:.1f}" font-size="12" text-anchor="middle" '
        f'fill="#212b32" transform="rotate(-90 12 {(y(0) + y(top)) / 2:.1f})">Observed</text>'
    )
    points = " ".join(f"{x(p):.1f},{y(o):.1f}" for _, p, o in deciles)
    parts.append(f'<polyline points="{points}" fill="none" stroke="#005eb8" stroke-width="2"/>')
    for decile, p, o in deciles:
        parts.append(
            f'<circle cx="{x(p):.1f}" cy="{y(o):.1f}" r="4" fill="#005eb8">'
            f"<title>Decile {decile}: predicted {p:.1%}, observed {o:.1%}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
