"""Entity tags over the JSON representation: `If-None-Match` → 304, `If-Match` → 412."""

import hashlib

from fastapi import Request, Response
from pydantic import BaseModel

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError


def _body(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


def etag_of(model: BaseModel) -> str:
    return '"' + hashlib.sha256(_body(model)).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return "*" in candidates or etag in candidates


def etag_response(
    request: Request,
    model: BaseModel,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Serialise `model` with its ETag, or answer 304 when the client already has this version."""
    body = _body(model)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    all_headers = {"ETag": etag, **(headers or {})}
    if_none_match = request.headers.get("if-none-match")
    if status_code == 200 and if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers=all_headers)
    return Response(
        body, status_code=status_code, headers=all_headers, media_type="application/json"
    )


def created_response(request: Request, model: BaseModel, record_id: object) -> Response:
    """201 with the new record's ETag and its `Location` under the collection just posted to."""
    location = f"{request.url.path.rstrip('/')}/{record_id}"
    return etag_response(request, model, status_code=201, headers={"Location": location})


def check_if_match(request: Request, current: BaseModel) -> None:
    """Refuse a write made against a version the client no longer holds."""
    header = request.headers.get("if-match")
    if header is not None and not _matches(header, etag_of(current)):
        raise ProblemError(
            412,
            "precondition_failed",
            Text(
                "Bản ghi đã bị thay đổi kể từ khi bạn tải về (ETag khác); hãy tải lại.",
                "The record changed since you fetched it (ETag mismatch); reload it.",
            ),
        )
