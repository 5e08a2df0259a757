"""Each report downloads as CSV and XLSX with the same figures GraphQL gives."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def download(platform, path: str, params: dict, who: str = "bureau"):
    response = await platform.client.get(path, params=params,
                                         headers={"Authorization": f"Bearer {platform.tokens[who]}"})
    return response


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _value(cell):
    """A cell as text, or as a number when it is one (CSV keeps 0.0 where XLSX keeps 0)."""
    try:
        return float(cell)
    except (TypeError, ValueError):
        return str(cell)


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def test_coverage_by_town_downloads_with_the_graphql_figures_in_csv_and_xlsx(platform):
    report = (await platform.data('{ coverage(regionCode: "330282", asOf: "2026-12-01", groupBy: TOWN) { '
                                  "total { enterprises insured } rows { key label enterprises insured } } }",
                                  as_="bureau"))["coverage"]
    params = {"region_code": "330282", "as_of": "2026-12-01", "group_by": "TOWN"}
    as_csv = await download(platform, "/reports/coverage", {**params, "format": "csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = csv_rows(as_csv)
    body = {r[0]: (r[1], int(r[2]), int(r[3])) for r in rows[1:]}
    for row in report["rows"]:
        assert body[row["key"]] == (row["label"], row["enterprises"], row["insured"])
    assert body["330282"][1:] == (report["total"]["enterprises"], report["total"]["insured"])
    as_xlsx = await download(platform, "/reports/coverage", {**params, "format": "xlsx"})
    assert as_xlsx.status_code == 200
    sheet = xlsx_rows(as_xlsx)
    assert [[_value(c) for c in r] for r in sheet] == [[_value(c) for c in r] for r in rows]


async def test_every_report_downloads_in_both_formats(platform):
    for path, params in (("/reports/coverage-trend", {"region_code": "330282", "from": "2026-01-01",
                                                      "to": "2026-12-31"}),
                         ("/reports/prevention", {"region_code": "330282"}),
                         ("/reports/uninsured-at-risk", {}),
                         ("/reports/overdue-major-hazards", {}),
                         ("/reports/agency-performance", {})):
        for fmt in ("csv", "xlsx"):
            response = await download(platform, path, {**params, "format": fmt})
            assert response.status_code == 200, (path, fmt, response.text)
            rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
            assert rows and rows[0], (path, fmt)


async def test_prevention_download_matches_graphql(platform):
    query = "{ preventionMetrics { budgetFen spentFen visitsDone hazardsFound } }"
    for _ in range(50):  # events from earlier tests may still be arriving: compare once the figures are still
        metrics = (await platform.data(query, as_="bureau"))["preventionMetrics"]
        rows = {r[0].split(" ")[1]: r[1] for r in csv_rows(await download(platform, "/reports/prevention", {}))[1:]}
        if metrics == (await platform.data(query, as_="bureau"))["preventionMetrics"]:
            break
        await asyncio.sleep(0.2)
    assert int(rows["budget_fen"]) == metrics["budgetFen"] and int(rows["spent_fen"]) == metrics["spentFen"]
    assert int(rows["visits_done"]) == metrics["visitsDone"] and int(rows["hazards_found"]) == metrics["hazardsFound"]


async def test_downloads_need_a_token_and_the_right_role(platform):
    anonymous = await platform.client.get("/reports/coverage", params={"region_code": "330282"})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "UNAUTHENTICATED"
    firm = await download(platform, "/reports/coverage", {"region_code": "330282"}, who="enterprise")
    assert firm.status_code == 403 and firm.headers["content-type"] == "application/problem+json"
    bad = await download(platform, "/reports/coverage", {"region_code": "330282", "format": "pdf"})
    assert bad.status_code == 422 and bad.json()["code"] == "VALIDATION"
