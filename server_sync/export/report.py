"""`report.pdf`: the workshop's results printed for the council, made with fpdf2.

A cover with the workshop's facts and the level as it was, the ranking (participants' votes
with the jury's stars beside them, never mixed), then one landscape page per design: both
server-made pictures large, what the design does against the starting state, the goals it
meets, its votes and stars, its moderation status and the moderator's public feedback.
Text is set in DejaVu Sans, a TrueType font with umlauts and the ✓ ✗ ★ signs; fpdf2 embeds
the letters used and a Unicode map, so text extractors and screen readers read it back.
"""

import io
import os
from pathlib import Path
from typing import cast

from fpdf import FPDF, FontFace
from fpdf.enums import MethodReturnValue, XPos, YPos

from game.core.errors import QuartierError
from game.core.i18n import Language, text
from game.core.indicators import INDICATORS, MAX_STARS
from game.core.indicators.base import EPS
from game.core.resources import data_dir
from game.render.snapshot import render_png
from server_sync.export.contents import Bundle, Entry
from server_sync.export.display import date, jury
from server_sync.services.images import IMAGE_SIZE, LOCATOR_SIZE, REPORT_VIEWS

# Where DejaVu Sans is looked for: QUARTIER_FONT_DIR, the assets, then where Debian and Ubuntu put it.
FONT_DIRS = tuple(
    Path(p)
    for p in (
        os.environ.get("QUARTIER_FONT_DIR", ""),
        data_dir("assets") / "fonts",
        "/usr/share/fonts/truetype/dejavu",
    )
    if p
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT = "DejaVu"
MARGIN = 10.0
IMAGE_W = 118.0  # before and after side by side across a landscape A4 page, in their 4:3 shape
IMAGE_H = IMAGE_W * IMAGE_SIZE[1] / IMAGE_SIZE[0]
GAP = 3.0  # between the pictures; the locator map takes the rest of the row
POINT_MM = 0.3528  # one typographic point in millimetres
INK, GREY, GOOD, BAD, RULE = (
    (20, 20, 20),
    (100, 100, 100),
    (20, 120, 50),
    (180, 30, 30),
    (200, 200, 200),
)


def font_files() -> dict[str, Path]:
    for folder in FONT_DIRS:
        files = {style: folder / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in files.values()):
            return files
    raise QuartierError("export.no_font", font=FONT_FILES[""], dirs=", ".join(map(str, FONT_DIRS)))


class Report(FPDF):
    """A4 landscape pages with the workshop's title and "page n of m" at the foot of each."""

    def __init__(self, bundle: Bundle, lang: Language) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        # `language`, not `lang`: FPDF keeps the document language as a plain str in `lang`.
        self.bundle, self.language = bundle, lang
        for style, path in font_files().items():
            self.add_font(FONT, style, str(path))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 6)
        self.set_title(bundle.workshop.title)
        self.set_creator("Quartier")
        self.set_lang(lang)

    def footer(self) -> None:
        self.set_y(-MARGIN - 2)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 4, self.bundle.workshop.title, align="L")
        self.set_x(MARGIN)
        self.cell(
            0, 4, text(self.language, "export.page", page=self.page_no(), pages="{nb}"), align="R"
        )

    def t(self, key: str, **params: object) -> str:
        return text(self.language, key, **params)

    def box(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        body: str,
        size: float,
        style: str = "",
        color=INK,
    ) -> float:
        """Write `body` wrapped into the box; what does not fit ends in "…". Returns the y below the text."""
        self.set_font(FONT, style, size)
        self.set_text_color(*color)
        line = size * POINT_MM * 1.3
        # fpdf2 types what multi_cell returns as the union of everything `output` can ask for.
        lines = (
            cast(
                list[str],
                self.multi_cell(w, line, body, dry_run=True, output=MethodReturnValue.LINES),
            )
            if body
            else []
        )
        room = max(int(h // line), 1)
        if len(lines) > room:
            lines = lines[:room]
            last = lines[-1].rstrip()
            while last and self.get_string_width(last + "…") > w:
                last = last[:-1]
            lines[-1] = last + "…"
        self.set_xy(x, y)
        for shown in lines:
            self.set_x(x)
            self.cell(w, line, shown, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return y + line * len(lines)

    def heading(self, x: float, y: float, w: float, key: str) -> float:
        return self.box(x, y, w, 5, self.t(key), 9, "B", GREY) + 0.5


def report_pdf(bundle: Bundle, lang: Language) -> bytes:
    pdf = Report(bundle, lang)
    _cover(pdf)
    links = [pdf.add_link() for _ in bundle.entries]
    _ranking(pdf, links)
    for entry, link in zip(bundle.entries, links):
        _design_page(pdf, entry, link)
    return bytes(pdf.output())


def _cover(pdf: Report) -> None:
    bundle, lang = pdf.bundle, pdf.language
    workshop, level, entries = bundle.workshop, bundle.level, bundle.entries
    pdf.add_page()
    left, label = 160.0, 82.0
    y = pdf.box(MARGIN, 22, left, 6, pdf.t("export.report.kicker"), 12, color=GREY)
    y = pdf.box(MARGIN, y + 2, left, 32, workshop.title, 22, "B")
    y = pdf.box(MARGIN, y + 2, left, 14, level.doc.title.in_(lang), 14, color=GREY) + 8
    moments = sorted(e.created for e in entries)
    facts = [
        ("export.fact.created", date(workshop.created, lang)),
        ("export.fact.phase", pdf.t(f"web.phase.{workshop.phase}")),
        ("export.fact.participants", str(bundle.participants)),
        ("export.fact.submissions", str(bundle.submissions)),
        (
            "export.fact.in_report_hidden" if bundle.include_hidden else "export.fact.in_report",
            str(len(entries)),
        ),
        ("export.fact.votes", str(bundle.votes)),
        ("export.fact.jury_ratings", str(bundle.jury_ratings)),
    ]
    if bundle.skipped:
        facts.append(("export.fact.skipped", str(len(bundle.skipped))))
    if moments:
        facts.insert(
            1,
            (
                "export.fact.period",
                pdf.t("export.period", first=date(moments[0], lang), last=date(moments[-1], lang)),
            ),
        )
    for key, value in facts:
        pdf.box(MARGIN, y, label, 6, pdf.t(key), 11, color=GREY)
        y = pdf.box(MARGIN + label + 2, y, left - label - 2, 12, value, 11, "B") + 1.5
    pdf.box(MARGIN, y + 8, left, 20, pdf.t("export.report.privacy"), 9, color=GREY)
    image = io.BytesIO(
        render_png(
            level.city, level.catalogue.colors, "iso", IMAGE_SIZE, highlight=level.zone_columns
        )
    )
    x = MARGIN + left + 5
    w = pdf.w - MARGIN - x
    pdf.image(image, x=x, y=40, w=w, h=w * IMAGE_SIZE[1] / IMAGE_SIZE[0])
    pdf.box(
        x,
        42 + w * IMAGE_SIZE[1] / IMAGE_SIZE[0],
        w,
        10,
        pdf.t("export.report.start_image"),
        8,
        color=GREY,
    )


def _ranking(pdf: Report, links: list[int]) -> None:
    bundle = pdf.bundle
    pdf.add_page()
    y = pdf.box(MARGIN, MARGIN + 2, 200, 9, pdf.t("export.ranking.title"), 18, "B")
    pdf.box(MARGIN, y + 1, pdf.epw, 10, pdf.t("web.results.lead"), 9, color=GREY)
    pdf.set_y(y + 12)
    _skipped(pdf)
    if not bundle.entries:
        pdf.box(MARGIN, pdf.get_y(), pdf.epw, 6, pdf.t("export.ranking.empty"), 11)
        return
    columns = [
        "export.field.rank",
        "export.field.title",
        "export.field.pseudonym",
        "export.field.votes",
        "export.field.jury_stars",
        "export.field.goals_met",
    ]
    widths: list[float] = [14, 0, 45, 22, 50, 26]
    if bundle.include_hidden:
        columns.append("export.field.status")
        widths.append(32)
    widths[1] = pdf.epw - sum(widths)  # the title takes what the others leave
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*INK)
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        align="LEFT",
        line_height=5.5,
        text_align=("RIGHT", "LEFT", "LEFT", "RIGHT", "LEFT", "RIGHT", "LEFT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        table.row([pdf.t(key) for key in columns])
        for entry, link in zip(bundle.entries, links):
            row = table.row()
            row.cell(str(entry.rank))
            row.cell(entry.title, link=link)
            row.cell(entry.pseudonym)
            row.cell(str(entry.votes))
            row.cell(jury(entry.jury_stars, entry.jury_ratings, pdf.language))
            row.cell(
                pdf.t(
                    "export.goals_short",
                    met=sum(g.met for g in entry.goals),
                    total=len(entry.goals),
                )
            )
            if bundle.include_hidden:
                row.cell(pdf.t(f"web.status.{entry.status}"))


def _skipped(pdf: Report) -> None:
    """Above the ranking: each design left out because it could not be read, and why."""
    for skipped in pdf.bundle.skipped:
        line = pdf.t(
            "export.skipped_design",
            rank=skipped.rank,
            title=skipped.title,
            pseudonym=skipped.pseudonym,
            uuid=skipped.uuid,
            reason=skipped.problem.message(pdf.language),
        )
        pdf.set_y(pdf.box(MARGIN, pdf.get_y(), pdf.epw, 15, line, 9, color=GREY) + 2)


def _design_page(pdf: Report, entry: Entry, link: int) -> None:
    lang = pdf.language
    pdf.add_page()
    pdf.set_link(link, page=pdf.page_no())
    pdf.set_auto_page_break(
        False
    )  # every box below is cut to fit, so nothing spills onto a page of its own
    votes_w = 70.0
    pdf.box(
        MARGIN,
        MARGIN,
        pdf.epw - votes_w,
        9,
        pdf.t("export.design.title", rank=entry.rank, title=entry.title),
        18,
        "B",
    )
    pdf.set_xy(pdf.w - MARGIN - votes_w, MARGIN)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(votes_w, 8, pdf.t("web.results.votes_n", n=entry.votes), align="R")
    byline = pdf.t(
        "export.design.byline",
        pseudonym=entry.pseudonym,
        date=date(entry.created, lang),
        revision=entry.revision,
        status=pdf.t(f"web.status.{entry.status}"),
    )
    pdf.box(MARGIN, MARGIN + 9.5, pdf.epw, 5, byline, 10, color=GREY)

    top = MARGIN + 16
    locator_w = pdf.epw - 2 * (IMAGE_W + GAP)
    x = MARGIN
    for view in REPORT_VIEWS:
        size, w = (LOCATOR_SIZE, locator_w) if view == "locator" else (IMAGE_SIZE, IMAGE_W)
        h = w * size[1] / size[0]
        pdf.image(str(entry.images[view]), x=x, y=top, w=w, h=h)
        pdf.set_draw_color(*RULE)
        pdf.rect(x, top, w, h)
        pdf.box(x, top + h + 0.5, w, 8, pdf.t(f"export.view.{view}"), 7, color=GREY)
        x += w + GAP

    y0, bottom = top + IMAGE_H + 6, pdf.h - MARGIN - 5
    _texts(pdf, entry, MARGIN, y0, 88, bottom)
    _indicators(pdf, entry, MARGIN + 93, y0, 112, bottom)
    _votes_and_goals(pdf, entry, MARGIN + 210, y0, pdf.epw - 210, bottom)
    pdf.set_auto_page_break(True, margin=MARGIN + 6)


def _texts(pdf: Report, entry: Entry, x: float, y: float, w: float, bottom: float) -> None:
    feedback_h = 22.0 if entry.feedback else 0.0
    y = pdf.heading(x, y, w, "export.design.description")
    pdf.box(x, y, w, bottom - y - feedback_h, entry.description or pdf.t("export.none"), 8.5)
    if entry.feedback:
        y = pdf.heading(x, bottom - feedback_h + 2, w, "export.design.feedback")
        pdf.box(x, y, w, bottom - y, entry.feedback, 8.5)


def _indicators(pdf: Report, entry: Entry, x: float, y: float, w: float, bottom: float) -> None:
    """Each indicator at the start and in the design; the change green where better, red where worse."""
    start = pdf.bundle.start
    y = pdf.heading(x, y, w, "export.design.indicators")
    rows = [cls for cls in INDICATORS if cls.key in entry.values and cls.key in start]
    line = min(3.9, (bottom - y) / (len(rows) + 1))
    widths = (w - 60, 20, 20, 20)
    heads = (
        "export.column.indicator",
        "export.column.start",
        "export.column.design",
        "export.column.change",
    )
    for n, key in enumerate(heads):
        _cell(
            pdf,
            x + sum(widths[:n]),
            y,
            widths[n],
            line,
            pdf.t(key),
            "B",
            GREY,
            "L" if n == 0 else "R",
        )
    for cls in rows:
        y += line
        before, after = start[cls.key], entry.values[cls.key]
        delta = after - before
        if abs(delta) < EPS:
            change, color = "–", GREY
        else:
            change = ("+" if delta > 0 else "−") + cls.display(abs(delta), pdf.language)
            color = GREY if cls.better == 0 else GOOD if delta * cls.better > 0 else BAD
        shown = (
            cls.name(pdf.language),
            cls.display(before, pdf.language),
            cls.display(after, pdf.language),
            change,
        )
        for n, value in enumerate(shown):
            _cell(
                pdf,
                x + sum(widths[:n]),
                y,
                widths[n],
                line,
                value,
                "",
                color if n == 3 else INK,
                "L" if n == 0 else "R",
            )
        pdf.set_draw_color(*RULE)
        pdf.line(x, y + line, x + w, y + line)


def _cell(
    pdf: Report, x: float, y: float, w: float, h: float, value: str, style: str, color, align: str
) -> None:
    pdf.set_font(FONT, style, 7.5)
    pdf.set_text_color(*color)
    while value and pdf.get_string_width(value) > w - 1:
        value = value[:-2] + "…"
    pdf.set_xy(x, y)
    pdf.cell(w, h, value, align=align)


def _votes_and_goals(
    pdf: Report, entry: Entry, x: float, y: float, w: float, bottom: float
) -> None:
    y = pdf.heading(x, y, w, "export.design.votes")
    y = pdf.box(x, y, w, 7, pdf.t("web.results.votes_n", n=entry.votes), 14, "B")
    y = (
        pdf.box(
            x,
            y + 0.5,
            w,
            10,
            pdf.t(
                "export.design.jury", stars=jury(entry.jury_stars, entry.jury_ratings, pdf.language)
            ),
            9,
        )
        + 3
    )
    met = sum(goal.met for goal in entry.goals)
    y = pdf.heading(x, y, w, "export.design.goals")
    if not entry.goals:
        pdf.box(x, y, w, 5, pdf.t("export.no_goals"), 8.5)
        return
    y = (
        pdf.box(
            x,
            y,
            w,
            5,
            pdf.t(
                "export.goals_met",
                met=met,
                total=len(entry.goals),
                stars="★" * entry.stars + "☆" * (MAX_STARS - entry.stars),
            ),
            8.5,
            "B",
        )
        + 1
    )
    for n, goal in enumerate(entry.goals):
        room = (bottom - y) / (len(entry.goals) - n)
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_text_color(*(GOOD if goal.met else BAD))
        pdf.set_xy(x, y)
        pdf.cell(5, 8 * POINT_MM * 1.3, "✓" if goal.met else "✗")
        y = pdf.box(x + 5, y, w - 5, room, goal.text.in_(pdf.language), 8) + 0.8
