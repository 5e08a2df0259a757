"""The bureau's registry upload: a CSV or XLSX file imported all or nothing."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, UploadFile
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import BaseModel

from services.kernel.auth import Principal, Role, allow
from services.kernel.errors import FieldProblem, ValidationProblem
from services.kernel.runtime import Runtime
from services.policy.importer import ImportRejected, import_firms

router = APIRouter(prefix="/v1")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportOut(BaseModel):
    rows: int
    created: int
    unchanged: int


@router.post("/imports/firms", response_model=ImportOut, tags=["enterprises"])
async def upload_registry(file: UploadFile, runtime: Runtime, principal: Principal = allow(Role.BUREAU)) -> Any:
    """Every row is checked first; one bad row rejects the file (``IMPORT_REJECTED``, each bad row in
    ``fields`` as ``line N: column``) and nothing is written. Importing the same file again changes nothing."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationProblem("upload a .csv or .xlsx file", field="file")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationProblem("the file is larger than 50 MB; split it", field="file")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            report = await import_firms(runtime.database, path, principal=principal)
        except (KeyError, ValueError, OSError, zipfile.BadZipFile, InvalidFileException) as exc:
            raise ValidationProblem(f"the file could not be read as {suffix}: {exc}", field="file") from exc
    if not report.ok:
        raise ImportRejected(
            f"{len({e.line for e in report.errors})} of {report.rows} rows have errors; nothing was imported",
            fields=[FieldProblem(field=f"line {e.line}: {e.field}", message=e.message) for e in report.errors[:500]])
    return ImportOut(rows=report.rows, created=report.created, unchanged=report.unchanged)
