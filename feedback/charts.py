"""Charts as server-rendered SVG: geometry here, markup in templates/feedback/_chart.html.

Two shapes: `stacked` (each row a 100% bar split by category: NPS groups, ratings, single
choices) and `grouped` (per category one bar per row, as a share: multiple choice, where
shares add up to more than 100%, and response rates). Every chart stands next to a table with
the same numbers, so the SVG is a picture, not the only way to read them.
"""

from dataclasses import dataclass, field

WIDTH = 520
LABEL_WIDTH = 150  # row labels at the left
NOTE_WIDTH = 80  # a figure at the right end of a row
BAR_AREA = WIDTH - LABEL_WIDTH - NOTE_WIDTH
ROW_HEIGHT = 32
BAR_HEIGHT = 22
GROUPED_BAR = 16
LABEL_CHARACTERS = 18

# Red, grey, green: detractors, passives, promoters.
NPS_COLOURS = ("#b42318", "#8c959f", "#1a7f37")
# 1 (poor) to 5 (excellent), red to green through neutral.
RATING_COLOURS = ("#b42318", "#e8833a", "#c9b037", "#6aa84f", "#1a7f37")
# Distinguishable categories (Okabe-Ito, darkened for contrast on white).
CATEGORY_COLOURS = (
    "#0b5cad", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#5b3a8c", "#6b6b6b",
)  # fmt: skip


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str  # shown on hover; the table beside the chart has the same figure


@dataclass
class Row:
    label: str
    full_label: str
    y: float
    height: float = ROW_HEIGHT
    note: str = ""
    bars: list[Bar] = field(default_factory=list)

    @property
    def text_y(self) -> float:
        return self.y + self.height / 2 + 5


@dataclass
class Chart:
    title: str
    description: str
    height: float
    rows: list[Row]
    legend: list[tuple[str, str]]  # (label, colour)
    key: str = "chart"  # the figure's id in the page
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_area: int = BAR_AREA

    @property
    def note_x(self) -> int:
        return self.label_width + self.bar_area + 6


def colours(count: int, palette: tuple[str, ...] = CATEGORY_COLOURS) -> list[str]:
    return [palette[i % len(palette)] for i in range(count)]


def _short(label: str) -> str:
    if len(label) <= LABEL_CHARACTERS:
        return label
    return label[: LABEL_CHARACTERS - 1] + "…"


def _percent(part: float, whole: float) -> float:
    return 100 * part / whole if whole else 0.0


def stacked(
    title: str,
    rows: list[tuple[str, list[int], str]],
    categories: list[str],
    fills: list[str],
) -> Chart:
    """rows: (label, count per category, note at the right). Each row is split into shares of
    its own total; a row without answers stays empty."""
    drawn = []
    for i, (label, counts, note) in enumerate(rows):
        y = i * ROW_HEIGHT
        row = Row(_short(label), label, y, ROW_HEIGHT, note)
        total, x = sum(counts), float(LABEL_WIDTH)
        for category, count, fill in zip(categories, counts, fills, strict=True):
            width = BAR_AREA * count / total if total else 0
            if width:
                share = f"{_percent(count, total):.0f}%"
                title_text = f"{label}: {category} {count} ({share})"
                row.bars.append(Bar(x, y + 5, width, BAR_HEIGHT, fill, title_text))
            x += width
        drawn.append(row)
    legend = list(zip(categories, fills, strict=True))
    description = "Share of answers per " + ", ".join(categories) + ", one bar per group."
    return Chart(title, description, len(rows) * ROW_HEIGHT + 4, drawn, legend)


def grouped(
    title: str,
    categories: list[tuple[str, list[float]]],
    series: list[str],
    fills: list[str],
) -> Chart:
    """categories: (label, a percentage per series). Bars are drawn on a 0-100% scale; with
    one series each row also says its figure."""
    per_category = len(series) * GROUPED_BAR + 10
    drawn = []
    for i, (label, shares) in enumerate(categories):
        y = i * per_category
        note = f"{shares[0]:.0f}%" if len(series) == 1 else ""
        row = Row(_short(label), label, y, per_category, note)
        for j, (name, share, fill) in enumerate(zip(series, shares, fills, strict=True)):
            width = BAR_AREA * max(0.0, min(share, 100.0)) / 100
            row.bars.append(
                Bar(LABEL_WIDTH, y + 4 + j * GROUPED_BAR, width, GROUPED_BAR - 2, fill,
                    f"{label}: {name} {share:.0f}%")
            )  # fmt: skip
        drawn.append(row)
    legend = list(zip(series, fills, strict=True))
    description = "Percent per " + ", ".join(label for label, _ in categories) + "."
    return Chart(title, description, len(categories) * per_category + 4, drawn, legend)
