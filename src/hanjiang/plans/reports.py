"""Evaluation reports of a plan: Word (.docx) in Chinese with charts, and an Excel workbook of
every figure with its source. Charts are drawn with the Noto Sans CJK SC font shipped in the
`mplfonts` package (SIL Open Font License), never the server's fonts."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from matplotlib import font_manager

from hanjiang.core.spreadsheets import Column, write_table
from hanjiang.plans.models import Plan
from hanjiang.plans.progress import Progress
from hanjiang.plans.selectors import plan_tree

KIND_TITLES = {"annual": "年度实施评估报告", "midterm": "中期评估报告", "final": "总结评估报告"}
STATUS_LABELS = {
    "achieved": "已完成",
    "on_track": "进展正常",
    "at_risk": "存在风险",
    "off_track": "明显滞后",
    "no_data": "暂无数据",
    "not_evaluable": "无法评估",
}
STATUS_COLOURS = {
    "achieved": "#1e7b34",
    "on_track": "#4a90d9",
    "at_risk": "#e0a000",
    "off_track": "#b3261e",
    "no_data": "#9aa5b1",
    "not_evaluable": "#c7ced6",
}


def _font() -> font_manager.FontProperties:
    import mplfonts

    path = Path(mplfonts.__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    return font_manager.FontProperties(fname=str(path))


def _number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def report_day(year: int, today: datetime.date) -> datetime.date:
    return min(today, datetime.date(year, 12, 31))


def _status_chart(counts: dict[str, int]) -> bytes:
    font = _font()
    labels = [STATUS_LABELS[key] for key in counts]
    figure, axes = plt.subplots(figsize=(6.4, 3.0), dpi=150)
    bars = axes.barh(labels, list(counts.values()), color=[STATUS_COLOURS[key] for key in counts])
    axes.set_yticks(range(len(labels)), labels, fontproperties=font)
    axes.bar_label(bars, fontproperties=font)
    axes.set_xlabel("指标数", fontproperties=font)
    axes.invert_yaxis()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def _series_chart(progress: Progress) -> bytes | None:
    points = [point for point in progress.series if point.value is not None]
    if len(points) < 2:
        return None
    indicator = progress.indicator
    font = _font()
    figure, axes = plt.subplots(figsize=(6.4, 2.8), dpi=150)
    axes.plot(
        [p.year for p in points],
        [p.value or 0.0 for p in points],
        marker="o",
        color="#0b5cad",
        label="实际值",
    )
    if indicator.target_value is not None and indicator.target_kind in {
        "absolute",
        "at_least",
        "percentage",
    }:
        axes.axhline(
            indicator.target_value,
            color="#b3261e",
            linestyle="--",
            label=f"目标 {indicator.target_text}",
        )
    if progress.projection is not None and progress.projection_year:
        last = points[-1]
        axes.plot(
            [last.year, progress.projection_year],
            [last.value or 0.0, progress.projection],
            linestyle=":",
            color="#5b6675",
            label="按趋势推算",
        )
    value_target = indicator.target_kind in {"absolute", "at_least", "percentage", "range"}
    title = (
        f"{indicator.name}（{indicator.unit}）"
        if value_target and indicator.unit
        else indicator.name
    )
    axes.set_title(title, fontproperties=font)
    axes.ticklabel_format(style="plain", axis="y", useOffset=False)
    axes.legend(prop=font, fontsize=8)
    axes.set_xticks([p.year for p in points])
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def _set_chinese_font(document: Any) -> None:
    style = document.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")


def build_docx(plan: Plan, *, year: int, kind: str, today: datetime.date) -> bytes:
    day = report_day(year, today)
    rows, counts = plan_tree(plan, day, as_of_year=year)
    leaves = [row for row in rows if row.progress is not None]
    document = Document()
    _set_chinese_font(document)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2.2)
    title = document.add_heading(f"{plan.title}\n{year} 年{KIND_TITLES[kind]}", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(
        f"评估时点：{day:%Y 年 %m 月 %d 日}。数据截至 {year} 年，"
        "来源为规划文本公布的基期数据和平台统计联网直报数据；"
        "缺失数据如实标注为“暂无数据”，不按零计算。"
    )
    document.add_heading("一、总体情况", level=1)
    elapsed = leaves[0].progress.elapsed if leaves and leaves[0].progress else 0.0
    summary = "，".join(
        f"{STATUS_LABELS[key]} {value} 项" for key, value in counts.items() if value
    )
    document.add_paragraph(
        f"规划期 {plan.start_year}—{plan.end_year} 年，已过去 {elapsed:.0f}%。"
        f"规划共设 {len(leaves)} 项主要指标：{summary}。"
    )
    document.add_picture(io.BytesIO(_status_chart(dict(counts))), width=Cm(15))
    document.add_heading("二、主要指标完成情况", level=1)
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ["指标", "基期值", "最新值（年份）", "目标", "完成度", "状态"],
        strict=True,
    ):
        cell.text = text
    for row in leaves:
        progress = row.progress
        if progress is None:
            continue
        indicator = row.indicator
        latest = progress.latest
        cells = table.add_row().cells
        cells[0].text = (
            f"{indicator.name}（{indicator.unit}）" if indicator.unit else indicator.name
        )
        cells[1].text = (
            f"{_number(indicator.baseline_value)}（{indicator.baseline_year}）"
            if indicator.baseline_value is not None
            else "—"
        )
        cells[2].text = (
            f"{latest.text or _number(latest.value)}（{latest.year}）" if latest else "暂无数据"
        )
        cells[3].text = indicator.target_text
        cells[4].text = _percent(progress.attainment)
        cells[5].text = STATUS_LABELS[progress.status]
    document.add_heading("三、重点指标走势", level=1)
    charted = 0
    for row in leaves:
        if row.progress is None or charted >= 6:
            continue
        image = _series_chart(row.progress)
        if image is not None:
            document.add_picture(io.BytesIO(image), width=Cm(15))
            charted += 1
    if charted == 0:
        document.add_paragraph("暂无两年以上的连续数据，无法绘制走势图。")
    document.add_heading("四、进度滞后的指标", level=1)
    lagging = [
        row for row in leaves if row.progress and row.progress.status in {"off_track", "at_risk"}
    ]
    if not lagging:
        document.add_paragraph("无进度滞后的指标。")
    for row in lagging:
        progress = row.progress
        if progress is None:
            continue
        need = (
            f"，距目标年份每年仍需增长 {progress.required_growth:.1f}%"
            if progress.required_growth is not None
            else ""
        )
        status = STATUS_LABELS[progress.status]
        document.add_paragraph(
            f"{row.indicator.name}：{status}，完成度 {_percent(progress.attainment)}"
            f"，时间进度 {progress.elapsed:.0f}%{need}。",
            style="List Bullet",
        )
    document.add_heading("五、规划文本中的不一致与口径说明", level=1)
    noted = False
    for row in rows:
        for item in row.indicator.discrepancies:
            document.add_paragraph(
                f"{row.indicator.name}：{item['text']}（{item['source']}）", style="List Bullet"
            )
            noted = True
        for note in row.indicator.notes:
            document.add_paragraph(f"{row.indicator.name}：{note}", style="List Bullet")
            noted = True
    if not noted:
        document.add_paragraph("无。")
    document.add_heading("六、数据来源", level=1)
    document.add_paragraph(
        "基期数据引自规划文本（章节、表格见各数据的来源说明）；年度数据来自各县（市、区）和企业联网直报，"
        "经市商务局审核，按各数据项的汇总方式汇总。全部数据及来源见同名 Excel 工作簿。"
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


XLSX_COLUMNS = [
    Column("code", "指标编号", width=10),
    Column("name", "指标", width=28),
    Column("unit", "单位", width=8),
    Column("target", "目标", width=18),
    Column("baseline", "基期值", width=12),
    Column("baseline_source", "基期来源", width=16),
    Column("year", "年份", width=8),
    Column("value", "数值", width=14),
    Column("source", "来源", width=24),
    Column("citation", "出处", width=24),
    Column("attainment", "完成度", width=10),
    Column("status", "状态", width=10),
]


def build_xlsx(plan: Plan, *, year: int, today: datetime.date) -> bytes:
    rows, _counts = plan_tree(plan, report_day(year, today), as_of_year=year)
    records = []
    for row in rows:
        progress = row.progress
        if progress is None:
            continue
        indicator = row.indicator
        common = {
            "code": indicator.code,
            "name": indicator.name,
            "unit": indicator.unit,
            "target": indicator.target_text,
            "baseline": indicator.baseline_value,
            "baseline_source": indicator.baseline_source,
            "attainment": _percent(progress.attainment),
            "status": STATUS_LABELS[progress.status],
        }
        if not progress.series:
            records.append({**common, "value": "暂无数据"})
        for point in progress.series:
            records.append(
                {
                    **common,
                    "year": point.year,
                    "value": point.value if point.value is not None else point.text,
                    "source": point.source,
                    "citation": point.citation,
                }
            )
    return write_table(f"{plan.code[:20]} {year}", XLSX_COLUMNS, records)


def write_reports(
    plan: Plan, *, year: int, kind: str, directory: Path, day: datetime.date
) -> list[Path]:
    stem = f"{plan.code}-{year}-{kind}"
    docx = directory / f"{stem}.docx"
    xlsx = directory / f"{stem}.xlsx"
    docx.write_bytes(build_docx(plan, year=year, kind=kind, today=day))
    xlsx.write_bytes(build_xlsx(plan, year=year, today=day))
    return [docx, xlsx]
