"""Where uploaded scans live: a storage interface with a local-disk implementation (the default), and the
checks every upload passes first (PDF, PNG or JPEG by their magic bytes; a size limit)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fastapi import UploadFile

from services.kernel.errors import NotFound, ValidationProblem
from services.providers.errors import TooLarge, UnsupportedMediaType

# The first bytes of each accepted kind; the client's declared content type is not trusted.
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
CHUNK = 64 * 1024


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...


class LocalDiskStorage:
    """Files under one directory, one file per key (keys are generated ids, never user input)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("storage key escapes the storage directory")
        return path

    async def put(self, key: str, data: bytes) -> None:
        path = self._path(key)

        def _write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)

        await asyncio.to_thread(_write)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.exists():
            raise NotFound("the stored file is missing")
        return await asyncio.to_thread(path.read_bytes)


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    content_type: str
    sha256: str
    filename: str


def sniff(head: bytes) -> str | None:
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    return None


async def read_checked(upload: UploadFile, *, max_bytes: int) -> CheckedUpload:
    """Read at most ``max_bytes`` (refusing beyond) and accept only PDF, PNG or JPEG content."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"the file is larger than the limit of {max_bytes // 1024} KiB", field="file")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise ValidationProblem("the file is empty", field="file")
    content_type = sniff(data[:16])
    if content_type is None:
        raise UnsupportedMediaType("only PDF, PNG or JPEG scans are accepted (checked by their content)",
                                   field="file")
    name = Path(upload.filename or "scan").name[:200] or "scan"
    return CheckedUpload(data=data, content_type=content_type, sha256=hashlib.sha256(data).hexdigest(),
                         filename=name)
