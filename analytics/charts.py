"""Server-side SVG charts: no script, no external service, nothing the CSP would refuse
(geometry is presentation attributes; colours come from classes in app.css). Each chart is a
picture for the eye; the table under it says the same for a screen reader (aria-hidden here
would hide nothing useful, so the SVG carries a title and role="img")."""

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 680
LABEL_WIDTH = 215  # room for «Звонок по окончании гарантии» at 12px
VALUE_WIDTH = 110
ROW_HEIGHT = 26
BAR_HEIGHT = 18


def _number(value) -> str:
    return f"{value:,}".replace(",", "\u202f") if isinstance(value, int) else str(value)


def _frame(title: str, height: int, body: list[str], css: str) -> SafeString:
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" width="100%" role="img" '
        'preserveAspectRatio="xMinYMin meet" focusable="false"><title>{}</title>{}</svg>',
        css,
        WIDTH,
        height,
        title,
        mark_safe("".join(body)),
    )


def _label(y: float, text: str) -> str:
    short = text if len(text) <= 28 else text[:27] + "…"
    return format_html(
        '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
        LABEL_WIDTH - 8,
        f"{y:.1f}",
        short,
    )


def bars(title: str, rows: list[tuple[str, int, str]]) -> SafeString:
    """One horizontal bar per row (label, value, note beside the value), scaled to the
    largest value: the funnel."""
    top = max((value for _, value, _ in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    body = []
    for index, (label, value, note) in enumerate(rows):
        y = index * ROW_HEIGHT + 4
        width = span * value / top
        body.append(_label(y + BAR_HEIGHT * 0.75, label))
        body.append(
            format_html(
                '<rect class="bar step-{}" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>',
                index,
                LABEL_WIDTH,
                y,
                f"{max(width, 1 if value else 0):.1f}",
                BAR_HEIGHT,
            )
        )
        body.append(
            format_html(
                '<text class="chart-value" x="{}" y="{}">{}{}</text>',
                f"{LABEL_WIDTH + width + 6:.1f}",
                f"{y + BAR_HEIGHT * 0.75:.1f}",
                _number(value),
                f" · {note}" if note else "",
            )
        )
    return _frame(title, len(rows) * ROW_HEIGHT + 8, body, "chart-bars")


def stacked(title: str, series: list[str], rows: list[tuple[str, list[int]]]) -> SafeString:
    """One horizontal bar per row split into the series (outcomes, backlog), scaled to the
    largest row total, with a legend above."""
    totals = [sum(values) for _, values in rows]
    top = max(totals, default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    body = []
    # The legend: as many entries a line as fit, then the next line.
    x, y = LABEL_WIDTH, 4
    for index, name in enumerate(series):
        width = 30 + 7.5 * len(str(name))
        if x + width > WIDTH and x > LABEL_WIDTH:
            x, y = LABEL_WIDTH, y + 18
        body.append(
            format_html(
                '<rect class="part part-{}" x="{}" y="{}" width="12" height="12"></rect>'
                '<text class="chart-legend" x="{}" y="{}">{}</text>',
                index,
                f"{x:.0f}",
                y,
                f"{x + 16:.0f}",
                y + 10,
                name,
            )
        )
        x += width
    legend = y + 20
    for row_index, ((label, values), total) in enumerate(zip(rows, totals, strict=True)):
        y = legend + row_index * ROW_HEIGHT + 4
        body.append(_label(y + BAR_HEIGHT * 0.75, label))
        x = float(LABEL_WIDTH)
        for index, value in enumerate(values):
            if not value:
                continue
            width = span * value / top
            body.append(
                format_html(
                    '<rect class="part part-{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{}: {}</title></rect>",
                    index,
                    f"{x:.1f}",
                    y,
                    f"{width:.1f}",
                    BAR_HEIGHT,
                    series[index],
                    _number(value),
                )
            )
            x += width
        body.append(
            format_html(
                '<text class="chart-value" x="{}" y="{}">{}</text>',
                f"{x + 6:.1f}",
                f"{y + BAR_HEIGHT * 0.75:.1f}",
                _number(total),
            )
        )
    return _frame(title, legend + len(rows) * ROW_HEIGHT + 8, body, "chart-stacked")
