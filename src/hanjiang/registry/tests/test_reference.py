from __future__ import annotations

import pytest
from django.db.models import Count

from hanjiang.registry.models import Area, Division, DivisionEdition, DivisionKind, DivisionLevel
from hanjiang.registry.reference import areas_load, divisions_load, kind_of
from hanjiang.registry.selectors import division_counts

pytestmark = pytest.mark.django_db


def _levels(edition: int) -> dict[str, int]:
    rows = (
        Division.objects.filter(editions__year=edition)
        .values("level")
        .annotate(total=Count("id"))
        .order_by()
    )
    return {row["level"]: row["total"] for row in rows}


def test_2023_edition_has_the_city_its_counties_townships_and_villages(reference: None) -> None:
    assert _levels(2023) == {"city": 1, "county": 9, "township": 130, "village": 2817}


def test_2020_edition_is_kept_for_the_baseline_year(reference: None) -> None:
    assert _levels(2020) == {"city": 1, "county": 9, "township": 128, "village": 2801}


def test_every_code_is_twelve_digits_and_hangs_under_its_parent(reference: None) -> None:
    assert not Division.objects.exclude(code__regex=r"^\d{12}$").exists()
    orphans = Division.objects.filter(parent__isnull=True).exclude(level=DivisionLevel.CITY)
    assert orphans.count() == 0
    village = Division.objects.select_related("parent__parent__parent").get(code="420602001008")
    assert village.name == "檀溪社区居委会"
    assert village.parent is not None and village.parent.code == "420602001000"
    assert village.parent.parent is not None and village.parent.parent.name == "襄城区"


def test_units_only_in_2020_keep_that_edition_alone(reference: None) -> None:
    only_2020 = Division.objects.annotate(n=Count("editions")).filter(n=1, editions__year=2020)
    only_2023 = Division.objects.annotate(n=Count("editions")).filter(n=1, editions__year=2023)
    # 2,939 units in 2020 and 2,957 in 2023 over 2,978 codes in all.
    assert Division.objects.count() == 2978
    assert only_2020.count() == 2978 - 2957
    assert only_2023.count() == 2978 - 2939


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("420602000000", DivisionKind.DISTRICT),
        ("420624000000", DivisionKind.COUNTY),
        ("420682000000", DivisionKind.COUNTY_CITY),
        ("420602001000", DivisionKind.SUBDISTRICT),
        ("420607111000", DivisionKind.TOWN),
        ("420625200000", DivisionKind.TOWNSHIP),
        ("420606480000", DivisionKind.SPECIAL),
        ("420602001008", DivisionKind.COMMUNITY),
        ("420607111202", DivisionKind.VILLAGE),
    ],
)
def test_kind_follows_the_nbs_code_ranges(code: str, kind: DivisionKind) -> None:
    assert kind_of(code) == kind


def test_communities_and_villages_are_counted_per_edition(reference: None) -> None:
    city = Division.objects.get(code="420600000000")
    assert division_counts(division=city, edition=2023).communities == 527
    assert division_counts(division=city, edition=2023).villages == 2290
    assert division_counts(division=city, edition=2020).villages == 2295
    nanzhang = Division.objects.get(code="420624000000")
    counts = division_counts(division=nanzhang, edition=2023)
    assert (counts.townships, counts.communities, counts.villages) == (11, 35, 269)


def test_loading_again_changes_nothing(reference: None) -> None:
    before = (Division.objects.count(), DivisionEdition.objects.count(), Area.objects.count())
    result = divisions_load()
    areas_load()
    assert (result.created, result.updated, result.editions_added) == (0, 0, 0)
    after = (Division.objects.count(), DivisionEdition.objects.count(), Area.objects.count())
    assert after == before


def test_functional_zones_map_to_the_divisions_they_cover(reference: None) -> None:
    gaoxin = Area.objects.get(code="gaoxin")
    assert sorted(gaoxin.divisions.values_list("short_code", flat=True)) == [
        "420606070",
        "420606071",
        "420606072",
        "420606170",
        "420606171",
        "420606570",
        "420606571",
        "420606572",
    ]
    dongjin = Area.objects.get(code="dongjin")
    assert list(dongjin.coverage.values_list("division__name", "basis")) == [
        ("东津镇", "approximate")
    ]
    assert Area.objects.get(code="ftz").divisions.count() == 0
