from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import yaml
from docx import Document
from openpyxl import load_workbook

from conftest import SAMPLE_PLAN
from hanjiang.plans.loader import PlanFileError, plan_load
from hanjiang.plans.models import Plan, PlanIndicator
from hanjiang.plans.progress import indicator_progress
from hanjiang.plans.reports import build_docx, build_xlsx
from hanjiang.plans.services import figure_record
from hanjiang.reporting.models import DataSet, DataValue, Submission
from hanjiang.reporting.values import ValueRow, values_import

pytestmark = pytest.mark.django_db
DAY = datetime.date(2023, 12, 31)


def _document() -> dict[str, Any]:
    return yaml.safe_load(SAMPLE_PLAN.read_text(encoding="utf-8"))


def _progress(plan: Plan, code: str, day: datetime.date = DAY) -> Any:
    return indicator_progress(PlanIndicator.objects.get(plan=plan, code=code), plan, day)


def test_the_plan_loads_with_its_tree_projects_and_published_baselines(small_plan: Plan) -> None:
    leaves = PlanIndicator.objects.filter(plan=small_plan).exclude(target_kind="")
    assert leaves.count() == 6
    child = PlanIndicator.objects.get(plan=small_plan, code="1.1")
    assert (child.parent and child.parent.code, child.level, child.target_value) == ("1", 2, 80000)
    baseline = DataValue.objects.get(
        source__code="plan:sample-gucheng-2021-2025", element__code="ONLINE_RETAIL"
    )
    assert (baseline.org_unit, baseline.period, baseline.value, baseline.comment) == (
        "420625000000",
        "2020",
        "40000",
        "测试表1",
    )
    assert small_plan.projects.get().milestones == [
        {"year": 2022, "text": "完成试点", "source": "测试"}
    ]


def test_loading_again_updates_in_place(small_plan: Plan) -> None:
    document = _document()
    document["indicators"][0]["children"][0]["target"]["value"] = 90000
    document["indicators"][0]["children"] = document["indicators"][0]["children"][:5]
    document["baselines"] = document["baselines"][:1]
    plan_load(yaml.safe_dump(document, allow_unicode=True))
    assert Plan.objects.count() == 1
    assert PlanIndicator.objects.get(plan=small_plan, code="1.1").target_value == 90000
    assert not PlanIndicator.objects.filter(plan=small_plan, code="1.6").exists()
    assert DataValue.objects.filter(source__code=small_plan.source_code).count() == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["plan"].pop("title"), "plan: 'title' is a required property"),
        (
            lambda d: d["indicators"][0]["children"][0]["target"].update(kind="dream"),
            "indicators[0].children[0].target.kind: 'dream' is not one of",
        ),
        (
            lambda d: d["indicators"][0]["children"][0]["measure"].update(element="NOPE"),
            "indicators[0].children[0].measure.element: unknown data element “NOPE”",
        ),
        (
            lambda d: d["indicators"][0]["children"][1].update(code="1.1"),
            "indicators[0].children[1].code: “1.1” is already used at indicators[0].children[0]",
        ),
        (
            lambda d: d["baselines"][0].update(unit="999999"),
            "baselines[0].unit: unknown organisation unit “999999”",
        ),
    ],
    ids=["missing-field", "unknown-kind", "unknown-element", "duplicate-code", "unknown-unit"],
)
def test_a_bad_file_is_refused_with_the_path_and_nothing_loads(
    statistics: None, change: Any, problem: str
) -> None:
    document = _document()
    change(document)
    with pytest.raises(PlanFileError) as caught:
        plan_load(yaml.safe_dump(document, allow_unicode=True))
    assert any(item.startswith(problem) for item in caught.value.problems), caught.value.problems
    assert not Plan.objects.exists()
    assert not DataValue.objects.exists()


def _report(users: dict[str, Any], rows: list[ValueRow]) -> None:
    summary = values_import(actor=users["city_admin"], rows=rows, today=datetime.date(2024, 1, 10))
    assert summary.conflicts == []


def _publish(plan: Plan, users: dict[str, Any], element: str, value: str) -> None:
    """A figure no report collects is recorded by the city with its source."""
    summary = figure_record(
        actor=users["city_admin"],
        plan=plan,
        element=element,
        year="2023",
        value=value,
        citation="测试公报（测试数据）",
    )
    assert summary.conflicts == []


def _approve_quarters_2023() -> None:
    """The city has approved Gucheng's four quarterly reports of 2023."""
    data_set = DataSet.objects.get(code="COUNTY_QUARTERLY")
    for quarter in (1, 2, 3, 4):
        Submission.objects.create(
            data_set=data_set,
            period=f"2023Q{quarter}",
            org_unit="420625000000",
            status="approved",
            submitted_at=datetime.datetime(2024, 1, 5, tzinfo=datetime.UTC),
        )


def test_progress_by_kind_of_target(small_plan: Plan, users: dict[str, Any]) -> None:
    no_data = _progress(small_plan, "1.5")
    assert (no_data.status, no_data.attainment, no_data.latest) == ("no_data", None, None)
    assert _progress(small_plan, "1.6").status == "not_evaluable"
    quarters = [ValueRow("ONLINE_RETAIL", f"2023Q{q}", "420625", "13000") for q in (1, 2, 3, 4)]
    _report(users, quarters)
    # Drafts never count: the year appears once the city approved all four quarterly reports.
    assert _progress(small_plan, "1.1").latest.year == 2020
    _approve_quarters_2023()
    retail = _progress(small_plan, "1.1")
    # 52,000 in 2023 from a 40,000 baseline towards 80,000: 30% of the way, with 59.9% of the
    # plan period gone (1,094 of 1,825 days): 29.9 points behind, at risk (off track from 30).
    assert retail.latest.value == 52000
    assert retail.attainment == pytest.approx(30.0)
    assert retail.elapsed == pytest.approx(100 * 1094 / 1825)
    assert retail.status == "at_risk"
    assert retail.required_growth == pytest.approx(100 * ((80000 / 52000) ** 0.5 - 1))
    assert retail.projection == pytest.approx(52000 * (52000 / 40000) ** (2 / 3))
    growth = _progress(small_plan, "1.2")
    assert growth.achieved_growth == pytest.approx(100 * ((52000 / 40000) ** (1 / 3) - 1))
    assert growth.status == "on_track"
    towns = _progress(small_plan, "1.3")
    # 1 town of the 3 the range starts at: 33.3%, 26.6 points behind time.
    assert (towns.latest.value, towns.status) == (1, "at_risk")
    assert towns.attainment == pytest.approx(100 / 3)
    _publish(small_plan, users, "TEST_DEMO_TOWNS", "6")
    above = _progress(small_plan, "1.3")
    assert (above.status, above.remark) == ("achieved", "above_range")
    _publish(small_plan, users, "TEST_MODES", "1210")
    modes = _progress(small_plan, "1.4")
    assert (modes.attainment, modes.status) == (50.0, "on_track")


def test_the_indicator_page_shows_discrepancies_and_sources(
    small_plan: Plan, users: dict[str, Any], client_for: Any
) -> None:
    response = client_for(users["reviewer"]).get(f"/plans/{small_plan.code}/indicators/1.1/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "正文另写作 7 亿元" in page
    unmeasured = client_for(users["reviewer"]).get(f"/plans/{small_plan.code}/indicators/1.6/")
    assert "规划未指定计量该目标的数据项。" in unmeasured.content.decode()
    assert "测试表1" in page
    assert response.context["progress"].latest.value == 40000


def test_the_public_page_needs_no_sign_in(small_plan: Plan, client_for: Any) -> None:
    response = client_for(None).get(f"/plans/{small_plan.code}/public/")
    assert response.status_code == 200
    assert response.context["counts"]["no_data"] == 2  # 1.4 and 1.5 have no figures yet


def test_the_evaluation_report_is_word_and_excel(small_plan: Plan) -> None:
    document = Document(io.BytesIO(build_docx(small_plan, year=2023, kind="annual", today=DAY)))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "2023 年年度实施评估报告" in text
    assert "正文另写作 7 亿元（测试正文）" in text
    assert len(document.tables[0].rows) == 1 + 6
    assert len(document.inline_shapes) >= 1
    sheet = load_workbook(io.BytesIO(build_xlsx(small_plan, year=2023, today=DAY))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("指标编号", "指标", "单位")
    assert rows[1][:3] == ("1.1", "网络零售额", "万元")


def test_a_second_plan_loads_beside_the_first_and_can_be_switched_to(
    small_plan: Plan, users: dict[str, Any], client_for: Any
) -> None:
    from hanjiang.plans.loader import DATA_DIR, plan_load_file

    city = plan_load_file(DATA_DIR / "xiangyang-2021-2025.yaml").plan
    assert Plan.objects.count() == 2
    assert PlanIndicator.objects.filter(plan=city).exclude(target_kind="").count() == 33
    assert PlanIndicator.objects.filter(plan=small_plan).exclude(target_kind="").count() == 6
    page = client_for(users["reviewer"]).get(f"/plans/{city.code}/")
    switch = page.content.decode()
    assert f'value="/plans/{small_plan.code}/"' in switch
    assert len([row for row in page.context["rows"] if row.progress]) == 33


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: &x [1]\nb: *x\n", "(file): not valid YAML: aliases (*name) are not allowed"),
        ("a: " + "[" * 5000, "(file): nested too deeply"),
        ("- just\n- a list\n", "(root): ['just', 'a list'] is not of type 'object'"),
    ],
    ids=["alias", "deep", "not-a-mapping"],
)
def test_hostile_or_odd_yaml_is_refused(statistics: None, text: str, problem: str) -> None:
    with pytest.raises(PlanFileError) as caught:
        plan_load(text)
    assert caught.value.problems[0].startswith(problem)


def test_years_and_numbers_must_be_sane(statistics: None) -> None:
    document = _document()
    document["plan"]["end_year"] = 40000
    document["indicators"][0]["children"][0]["target"]["value"] = float("nan")
    with pytest.raises(PlanFileError) as caught:
        plan_load(yaml.safe_dump(document, allow_unicode=True))
    assert caught.value.problems == [
        "(root).indicators[0].children[0].target.value: numbers must be finite"
    ]
    document["indicators"][0]["children"][0]["target"]["value"] = 80000
    with pytest.raises(PlanFileError) as caught:
        plan_load(yaml.safe_dump(document, allow_unicode=True))
    assert caught.value.problems == ["plan.end_year: 40000 is not a year from 1900 to 2200"]
    assert not Plan.objects.exists()


def test_progress_through_the_api(small_plan: Plan, users: dict[str, Any]) -> None:
    from django.test import Client

    from hanjiang.accounts.services import token_create

    _token, key = token_create(actor=users["reviewer"], user=users["reviewer"], name="t")
    headers = {"Authorization": f"Bearer {key}"}
    plans = Client().get("/api/v1/plans", headers=headers).json()
    assert [plan["code"] for plan in plans] == [small_plan.code]
    rows = (
        Client()
        .get(f"/api/v1/plans/{small_plan.code}/progress", {"day": "2023-12-31"}, headers=headers)
        .json()
    )
    leaves = {row["code"]: row for row in rows if row["target_kind"]}
    assert len(leaves) == 6
    assert leaves["1.1"]["latest_value"] == 40000
    assert leaves["1.1"]["latest_source"] == "谷城县电子商务发展示例规划（测试数据） 测试表1"
    assert leaves["1.5"]["status"] == "no_data"
    assert leaves["1.5"]["latest_value"] is None
    assert rows[0] == {**rows[0], "code": "1", "level": 1, "parent": None, "status": None}


def test_an_indicator_series_counts_a_county_s_own_report_only_once_approved(
    small_plan: Plan, users: dict[str, Any]
) -> None:
    from hanjiang.reporting.selectors import yearly_series

    rows = [
        ValueRow(element, f"2023Q{q}", "420625", value)
        for q in (1, 2, 3, 4)
        for element, value in (("ONLINE_RETAIL", "100"), ("ONLINE_RETAIL_AGRI", "25"))
    ]
    _report(users, rows)
    series = lambda: [  # noqa: E731
        (p.year, p.value)
        for p in yearly_series(indicator_code="AGRI_ONLINE_SHARE", unit_code="420625000000")
    ]
    assert series() == []
    _approve_quarters_2023()
    assert series() == [(2023, 25.0)]


def test_the_whole_plan_reads_the_same_progress_as_each_indicator_alone(
    small_plan: Plan, users: dict[str, Any]
) -> None:
    from hanjiang.plans.progress import plan_progress

    _report(users, [ValueRow("ONLINE_RETAIL", f"2023Q{q}", "420625", "13000") for q in range(1, 5)])
    _approve_quarters_2023()
    _publish(small_plan, users, "TEST_DEMO_TOWNS", "6")
    together = plan_progress(small_plan, DAY)
    alone = {
        leaf.pk: indicator_progress(leaf, small_plan, DAY)
        for leaf in PlanIndicator.objects.filter(plan=small_plan).exclude(target_kind="")
    }
    assert len(together) == 6
    assert {pk: (p.status, p.attainment, p.series) for pk, p in together.items()} == {
        pk: (p.status, p.attainment, p.series) for pk, p in alone.items()
    }
    assert sorted(p.status for p in together.values()) == [
        "achieved",  # 1.3: 6 towns published
        "at_risk",  # 1.1: 52,000 towards 80,000
        "no_data",  # 1.4: nothing recorded
        "no_data",  # 1.5
        "not_evaluable",  # 1.6: no measure
        "on_track",  # 1.2: growth
    ]
