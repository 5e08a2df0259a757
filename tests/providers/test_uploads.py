"""Qualification scans: PDF, PNG or JPEG by their content, within the size limit, readable by the agency
and the bureau only."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _qualification(kit):
    agency = await kit.approved_agency()
    return agency, agency["qualifications"][0]["id"]


async def _upload(kit, agency_id, qualification_id, name, data, content_type="application/pdf", headers=None):
    return await kit.client.post(f"/v1/agencies/{agency_id}/qualifications/{qualification_id}/scan",
                                 files={"file": (name, data, content_type)}, headers=headers or kit.agency(agency_id))


async def test_a_pdf_scan_is_stored_and_the_agency_and_bureau_can_download_it(kit):
    agency, qid = await _qualification(kit)
    response = await _upload(kit, agency["id"], qid, "资质.pdf", PDF)
    assert response.status_code == 201, response.text
    assert response.json()["scan_id"]
    for headers in (kit.agency(agency["id"]), kit.bureau()):
        scan = await kit.client.get(f"/v1/agencies/{agency['id']}/qualifications/{qid}/scan", headers=headers)
        assert scan.status_code == 200
        assert scan.content == PDF and scan.headers["content-type"] == "application/pdf"
    # The public page of the agency does not point at the scan; firms cannot fetch it.
    public = (await kit.client.get(f"/v1/agencies/{agency['id']}")).json()
    assert public["qualifications"][0]["scan_id"] is None
    # nor does the batch read of several agencies' qualifications; the agency itself and the bureau see it
    batch = {"agency_ids": agency["id"]}
    assert [q["scan_id"] for q in (await kit.client.get("/v1/qualifications", params=batch)).json()] == [None]
    for headers in (kit.agency(agency["id"]), kit.bureau()):
        own = (await kit.client.get("/v1/qualifications", params=batch, headers=headers)).json()
        assert [q["id"] for q in own] == [qid] and own[0]["scan_id"] == response.json()["scan_id"]
    denied = await kit.client.get(f"/v1/agencies/{agency['id']}/qualifications/{qid}/scan",
                                  headers=kit.enterprise())
    assert denied.status_code == 403


async def test_the_type_is_judged_by_content_not_by_name(kit):
    agency, qid = await _qualification(kit)
    response = await _upload(kit, agency["id"], qid, "scan.pdf", PNG, "application/pdf")
    assert response.status_code == 201
    scan = await kit.client.get(f"/v1/agencies/{agency['id']}/qualifications/{qid}/scan", headers=kit.bureau())
    assert scan.headers["content-type"] == "image/png"


async def test_a_file_that_is_not_a_pdf_or_image_is_refused(kit):
    agency, qid = await _qualification(kit)
    response = await _upload(kit, agency["id"], qid, "资质.pdf", b"MZ\x90\x00 this is a program", "application/pdf")
    assert response.status_code == 415
    assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    detail = (await kit.client.get(f"/v1/agencies/{agency['id']}", headers=kit.bureau())).json()
    assert detail["qualifications"][0]["scan_id"] is None


async def test_a_file_over_the_limit_is_refused(kit, monkeypatch):
    monkeypatch.setattr(kit.app.state.runtime.settings, "max_upload_bytes", 1024)
    agency, qid = await _qualification(kit)
    response = await _upload(kit, agency["id"], qid, "big.pdf", PDF + b"0" * 2048)
    assert response.status_code == 413
    assert response.json()["code"] == "TOO_LARGE"


async def test_an_agency_may_not_upload_to_another_agencys_qualification(kit):
    agency, qid = await _qualification(kit)
    other = await kit.approved_agency()
    response = await _upload(kit, agency["id"], qid, "x.pdf", PDF, headers=kit.agency(other["id"]))
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
