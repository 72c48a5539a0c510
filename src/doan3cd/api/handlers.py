"""Exception handlers: every error leaves as a problem response, never as HTML or a trace."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from doan3cd.api.i18n import Text, request_language
from doan3cd.api.problems import FieldError, ProblemError, problem_response

log = logging.getLogger("doan3cd.errors")

# Vietnamese wording for the validation errors users meet most; others fall back to pydantic's text.
VALIDATION_MESSAGES_VI: dict[str, str] = {
    "missing": "Thiếu trường bắt buộc.",
    "extra_forbidden": "Trường này không được phép.",
    "string_type": "Phải là chuỗi ký tự.",
    "int_type": "Phải là số nguyên.",
    "int_parsing": "Phải là số nguyên.",
    "bool_parsing": "Phải là true hoặc false.",
    "date_from_datetime_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "datetime_parsing": "Thời điểm không hợp lệ (ISO 8601).",
    "uuid_parsing": "Mã định danh (UUID) không hợp lệ.",
    "enum": "Giá trị không nằm trong danh sách cho phép.",
    "literal_error": "Giá trị không nằm trong danh sách cho phép.",
    "string_too_short": "Chuỗi quá ngắn.",
    "string_too_long": "Chuỗi quá dài.",
    "greater_than_equal": "Giá trị quá nhỏ.",
    "less_than_equal": "Giá trị quá lớn.",
    "json_invalid": "Nội dung JSON không hợp lệ.",
    "model_attributes_type": "Phải là một đối tượng JSON.",
    "dict_type": "Phải là một đối tượng JSON.",
    "list_type": "Phải là một danh sách.",
    "value_error": "Giá trị không hợp lệ.",
    "union_tag_invalid": "Loại (kind) không hợp lệ.",
    "union_tag_not_found": "Thiếu trường phân loại (kind).",
}


def _pointer(loc: Sequence[Any]) -> str | None:
    if not loc or loc[0] != "body":
        return None
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in loc[1:])


def validation_field_errors(errors: Sequence[Any], lang: str) -> list[FieldError]:
    result = []
    for err in errors:
        loc = [p if isinstance(p, int) else str(p) for p in err.get("loc", ())]
        code = str(err.get("type", "invalid"))
        message = str(err.get("msg", ""))
        if lang == "vi":
            message = VALIDATION_MESSAGES_VI.get(code, message)
        result.append(FieldError(loc=loc, pointer=_pointer(loc), code=code, message=message))
    return result


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = validation_field_errors(exc.errors(), request_language(request))
    return problem_response(
        request,
        ProblemError(
            422,
            "validation_failed",
            Text("Dữ liệu gửi lên không hợp lệ.", "The request data is invalid."),
            errors=errors,
        ),
    )


HTTP_CODES = {
    400: "request_body_unreadable",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
}


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    detail = None
    if exc.status_code == 400:
        # The framework's only 400: a body it could not decode (bad UTF-8, broken form data).
        detail = Text(
            "Không đọc được nội dung yêu cầu (JSON hoặc UTF-8 không hợp lệ).",
            "The request body could not be read (invalid JSON or UTF-8).",
        )
    elif exc.status_code == 404:
        detail = Text("Không có tài nguyên tại địa chỉ này.", "No resource at this address.")
    elif exc.status_code == 405:
        detail = Text(
            "Địa chỉ này không hỗ trợ phương thức {method}.",
            "This address does not support {method}.",
        ).format(method=request.method)
    return problem_response(
        request, ProblemError(exc.status_code, code, detail, headers=dict(exc.headers or {}))
    )


async def _integrity(request: Request, exc: Exception) -> Response:
    # Services translate the conflicts they expect; this catches a race they could not foresee.
    log.warning("integrity error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        ProblemError(
            409,
            "conflict",
            Text(
                "Dữ liệu xung đột với bản ghi đã có; hãy tải lại và thử lại.",
                "The data conflicts with an existing record; reload and try again.",
            ),
        ),
    )


def _is_transient(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "statement timeout" in text or "canceling" in text


async def _database(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DBAPIError)
    if _is_transient(exc):
        log.warning("transient database error on %s %s", request.method, request.url.path)
        return problem_response(
            request,
            ProblemError(
                503,
                "database_busy",
                Text("Cơ sở dữ liệu đang bận, vui lòng thử lại.", "The database is busy; retry."),
                headers={"Retry-After": "1"},
            ),
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        ProblemError(
            500,
            "internal_error",
            Text(
                "Đã có lỗi ngoài dự kiến. Hãy báo mã yêu cầu cho quản trị viên.",
                "An unexpected error occurred. Report the request id to an administrator.",
            ),
        ),
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)
