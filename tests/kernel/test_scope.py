"""The one scope helper: region codes nest by prefix, ADMIN sees all, and a missing scope sees nothing."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, false, true

from services.kernel import scope
from services.kernel.auth import Principal, Role

TOWN = "330282107"
rows = Table("rows", MetaData(), Column("town_code", String), Column("org", String))


def bureau(region: str | None) -> Principal:
    return Principal(sub="usr_b", role=Role.BUREAU, region=region)


def test_a_town_bureau_sees_its_town_and_its_villages_not_a_sibling_or_the_city():
    town = bureau(TOWN)
    assert scope.sees_region(town, TOWN) and scope.sees_region(town, TOWN + "201")
    assert not scope.sees_region(town, "330282114") and not scope.sees_region(town, "330282")
    assert town.in_region(TOWN + "201") and not town.in_region("330282114")
    assert scope.sees_any_region(town, ["330282114", TOWN]) and not scope.sees_any_region(town, ["330282114"])


def test_a_bureau_without_a_valid_region_sees_nothing():
    for region in (None, "", "33", "3302821", "330282abc"):
        b = bureau(region)
        assert scope.region_of(b) is None
        assert not scope.sees_region(b, TOWN) and not b.in_region(TOWN) and not b.in_region("")
        assert str(scope.region_filter(b, rows.c.town_code)) == str(false())


def test_org_roles_see_their_own_org_only_and_nothing_without_one():
    firm = Principal(sub="u", role=Role.ENTERPRISE, org="ent_1")
    assert scope.sees_org(firm, "ent_1") and not scope.sees_org(firm, "ent_2")
    assert not scope.sees_org(firm, "ent_1", Role.INSURER)
    assert not scope.sees_org(Principal(sub="u", role=Role.INSURER), None)
    assert str(scope.org_filter(Principal(sub="u", role=Role.AGENCY), rows.c.org)) == str(false())
    assert not scope.sees_region(firm, TOWN)  # no role but the bureau sees by region
    assert not scope.sees_expert(Principal(sub="u", role=Role.EXPERT, org="agc_1"), "exp_1")
    assert scope.sees_expert(Principal(sub="u", role=Role.EXPERT, org="agc_1", expert="exp_1"), "exp_1")


def test_admin_sees_everything():
    admin = Principal(sub="u", role=Role.ADMIN)
    assert scope.sees_region(admin, None) and scope.sees_org(admin, "ent_9") and scope.sees_expert(admin, "exp_9")
    assert str(scope.region_filter(admin, rows.c.town_code)) == str(true())
    assert "LIKE" in str(scope.region_filter(bureau(TOWN), rows.c.town_code))
