"""Small server-rendered SVG charts: no JS chart library, nothing fetched from the internet.

Charts scale with the page through `viewBox`; colours are presentation attributes (not style
attributes) so a strict Content-Security-Policy does not strip them. Every label is escaped.
"""

from __future__ import annotations

from markupsafe import Markup, escape

COLORS = {"valid": "#1a7f37", "needs_info": "#b7791f", "invalid": "#c62828"}
LABELS = {"valid": "Valid", "needs_info": "Perlu info", "invalid": "Ditolak"}


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(
    x: float, y: float, label: object, size: int = 11, anchor: str = "start", fill: str = "#444"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">'
        f"{escape(str(label))}</text>"
    )


def _axis(left: int, w: int, h: int, top: int, bottom: int, peak: int) -> list[str]:
    return [
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - 4}" y2="{h - bottom}" stroke="#888"/>',
        _text(left - 4, top + 4, peak, anchor="end"),
        _text(left - 4, h - bottom, 0, anchor="end"),
    ]


def _short_day(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}"


def stacked_bars(labels: list[str], series: dict[str, list[int]], title: str) -> Markup:
    """Verdict mix per day: one stacked column per day, a legend on top."""
    w, h, left, top, bottom = 640, 260, 36, 28, 28
    plot_h = h - top - bottom
    totals = [sum(s[i] for s in series.values()) for i in range(len(labels))]
    peak = max([*totals, 1])
    step = (w - left - 8) / max(1, len(labels))
    bar = step * 0.7
    body = _axis(left, w, h, top, bottom, peak)
    x_legend = left
    for name in series:
        body.append(f'<rect x="{x_legend}" y="6" width="12" height="12" fill="{COLORS.get(name, "#555")}"/>')
        body.append(_text(x_legend + 16, 16, LABELS.get(name, name), 12, fill="#222"))
        x_legend += 110
    for i, day in enumerate(labels):
        x = left + i * step + (step - bar) / 2
        y: float = h - bottom
        for name, values in series.items():
            v = values[i]
            if not v:
                continue
            bh = plot_h * v / peak
            y -= bh
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{bh:.1f}" '
                f'fill="{COLORS.get(name, "#555")}"><title>{escape(day)}: {escape(LABELS.get(name, name))} '
                f"{v}</title></rect>"
            )
        if totals[i]:
            body.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="10" '
                f'fill="#222">{totals[i]}</text>'
            )
        if len(labels) <= 16 or i % 2 == 0:
            body.append(
                f'<text x="{x + bar / 2:.1f}" y="{h - bottom + 16}" text-anchor="middle" font-size="10" '
                f'fill="#444">{escape(_short_day(day))}</text>'
            )
    return _svg(w, h, title, body)


def rate_bars(items: list[tuple[str, int, int]], title: str) -> Markup:
    """Overturn rate per original reason: a horizontal bar of overturned/reviewed per row."""
    row_h, left, w = 30, 150, 640
    h = max(1, len(items)) * row_h + 16
    plot_w = w - left - 110
    body = []
    if not items:
        body.append(f'<text x="10" y="24" font-size="13" fill="#444">{escape("Belum ada tinjauan.")}</text>')
    for i, (label, reviewed, overturned) in enumerate(items):
        y = 8 + i * row_h
        rate = overturned / reviewed if reviewed else 0.0
        body.append(_text(left - 8, y + 17, label, 12, "end", "#222"))
        body.append(f'<rect x="{left}" y="{y + 4}" width="{plot_w}" height="18" fill="#eee"/>')
        body.append(
            f'<rect x="{left}" y="{y + 4}" width="{plot_w * rate:.1f}" height="18" fill="#c62828">'
            f"<title>{escape(label)}: {overturned} dari {reviewed} dibatalkan</title></rect>"
        )
        body.append(
            f'<text x="{left + plot_w + 6}" y="{y + 17}" font-size="12" fill="#222">'
            f"{rate:.0%} ({overturned}/{reviewed})</text>"
        )
    return _svg(w, h, title, body)


def line(labels: list[str], values: list[int], title: str) -> Markup:
    """Review queue size at the end of each day."""
    w, h, left, top, bottom = 640, 220, 36, 16, 28
    plot_h = h - top - bottom
    peak = max([*values, 1])
    step = (w - left - 16) / max(1, len(labels) - 1)
    points = [(left + i * step, h - bottom - plot_h * v / peak) for i, v in enumerate(values)]
    body = _axis(left, w, h, top, bottom, peak) + [
        '<polyline fill="none" stroke="#1565c0" stroke-width="2.5" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        + '"/>',
    ]
    for (x, y), v, day in zip(points, values, labels, strict=True):
        dot = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#1565c0">'
        body.append(f"{dot}<title>{escape(day)}: {v}</title></circle>")
    for i, day in enumerate(labels):
        if len(labels) <= 16 or i % 2 == 0:
            body.append(
                f'<text x="{points[i][0]:.1f}" y="{h - bottom + 16}" text-anchor="middle" font-size="10" '
                f'fill="#444">{escape(_short_day(day))}</text>'
            )
    if values:
        body.append(
            f'<text x="{points[-1][0]:.1f}" y="{points[-1][1] - 8:.1f}" text-anchor="end" font-size="11" '
            f'fill="#1565c0">{values[-1]}</text>'
        )
    return _svg(w, h, title, body)
