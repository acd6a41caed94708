"""XmR charts as SVG or PNG (matplotlib, Agg), with simple variation and assurance icons."""

from __future__ import annotations

import io
from collections.abc import Sequence

from caretrust.population.spc import XmrResult

COLOURS = {
    "common_cause": "#7f7f7f",
    "special_cause_improvement": "#289de0",
    "special_cause_concern": "#fab428",
    "special_cause_neutral_high": "#361475",
    "special_cause_neutral_low": "#361475",
}
ICON_LETTER = {"consistent_pass": "P", "consistent_fail": "F", "hit_and_miss": "?"}


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
    from matplotlib import pyplot as plt

    xs = list(range(len(result.points)))
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=100)
    ax.plot(xs, [p.value for p in result.points], color="#7f7f7f", linewidth=1, zorder=1)
    ax.scatter(
        xs,
        [p.value for p in result.points],
        zorder=2,
        s=18,
        c=[COLOURS[p.point_type] for p in result.points],
    )
    for attr, style in (("mean", "-"), ("upper_limit", "--"), ("lower_limit", "--")):
        ax.plot(
            xs,
            [getattr(p, attr) for p in result.points],
            color="#231f20",
            linestyle=style,
            linewidth=0.8,
        )
    if result.target is not None:
        ax.axhline(result.target, color="#de2d26", linestyle=":", linewidth=1)
    if labels is not None:
        step = max(1, len(xs) // 8)
        ax.set_xticks(xs[::step], [str(label) for label in labels][::step], fontsize=7)
    ax.set_title(title, fontsize=9, loc="left")
    _icons(fig, result)
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    return buffer.getvalue()


def _icons(fig, result: XmrResult) -> None:
    """Two circles at the right: variation (coloured by last point, arrow for its side) and
    assurance (letter P/F/? when a target is given)."""
    last = result.points[-1]
    colour = COLOURS[result.variation_icon]
    arrow = (
        "" if result.variation_icon == "common_cause" else ("▲" if last.value > last.mean else "▼")
    )
    fig.text(0.9, 0.62, "●", color=colour, fontsize=30, ha="center", va="center")
    fig.text(0.9, 0.62, arrow, color="white", fontsize=10, ha="center", va="center")
    if result.assurance_icon:
        fig.text(
            0.9,
            0.3,
            "●",
            color="#289de0"
            if result.assurance_icon == "consistent_pass"
            else "#fab428"
            if result.assurance_icon == "consistent_fail"
            else "#7f7f7f",
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
