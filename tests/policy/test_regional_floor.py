"""The per-person limit floor per region: 400,000 yuan nationally, more where a region sets it, never less."""

from __future__ import annotations

import pytest
import pytest_asyncio
from pydantic import ValidationError

from services.policy import repository
from services.policy.floors import Floor, floor_for
from services.policy.regions import RegionSeed
from services.policy.settings import PolicySettings
from tests.policy.conftest import running_world

pytestmark = pytest.mark.asyncio(loop_scope="module")
CIXI_FLOOR = 50_000_000  # 500,000 yuan, as if Cixi had set it


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def floored(module_backend, keys, tmp_path_factory):
    async with running_world(module_backend, keys, tmp_path_factory.mktemp("floors"),
                             regional_limit_floors_fen={"330282": CIXI_FLOOR}) as w:
        async with w.app.state.runtime.database.transaction() as session:
            await repository.upsert_regions(session, [
                RegionSeed("330281", "余姚市", "CITY", None, "CITY"),
                RegionSeed("330281001", "凤山街道", "TOWN", "330281", "SUB_DISTRICT")])
        yield w


async def product(world):
    insurer = await world.insurer()
    return await world.product(insurer, limit_options_fen=[40_000_000, 49_999_900, CIXI_FLOOR])


async def test_a_quote_below_the_regions_floor_is_refused_naming_the_region(floored):
    firm = await floored.firm()
    prd = await product(floored)
    for limit in (40_000_000, 49_999_900):  # the national minimum, and 1 yuan under Cixi's floor
        r = await floored.quote(firm, prd, limit_per_person_fen=limit)
        assert r.status_code == 422, r.text
        problem = r.json()
        assert problem["code"] == "LIMIT_BELOW_REGIONAL_FLOOR"
        assert "慈溪市" in problem["detail"] and "330282" in problem["detail"] and "500,000" in problem["detail"]
        assert problem["fields"][0]["field"] == "limit_per_person_fen"


async def test_a_quote_exactly_at_the_regions_floor_is_priced(floored):
    firm = await floored.firm()
    r = await floored.quote(firm, await product(floored), limit_per_person_fen=CIXI_FLOOR)
    assert r.status_code == 201, r.text
    assert r.json()["limit_per_person_fen"] == CIXI_FLOOR


async def test_a_firm_of_a_region_without_its_own_floor_has_the_national_one(floored):
    firm = await floored.firm(town_code="330281001")
    r = await floored.quote(firm, await product(floored), limit_per_person_fen=40_000_000)
    assert r.status_code == 201, r.text


def test_no_region_may_set_a_floor_below_the_national_minimum():
    with pytest.raises(ValidationError, match="below the national minimum"):
        PolicySettings(regional_limit_floors_fen={"330282": 39_999_999})
    assert PolicySettings(regional_limit_floors_fen={"330282": 40_000_000}).regional_limit_floors_fen == {
        "330282": 40_000_000}
    with pytest.raises(ValidationError, match="6-digit division code"):
        PolicySettings(regional_limit_floors_fen={"33": 50_000_000})


def test_the_highest_floor_of_the_province_and_the_city_binds():
    floors = {"330000": 45_000_000, "330282": 50_000_000, "330281": 42_000_000}
    assert floor_for("330282107", floors) == Floor(50_000_000, "330282")
    assert floor_for("330281001", floors) == Floor(45_000_000, "330000")  # the city cannot go below the province
    assert floor_for("320102001", floors) == Floor(40_000_000, None)
