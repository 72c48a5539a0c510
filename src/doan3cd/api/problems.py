"""RFC 9457 problem details: one exception type, one renderer, titles in Vietnamese or English."""

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from doan3cd.api.i18n import Text, request_language

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:doan3cd:problem:"

STATUS_TITLES: dict[int, Text] = {
    400: Text("Yêu cầu không hợp lệ", "Bad request"),
    401: Text("Chưa xác thực", "Not authenticated"),
    403: Text("Không có quyền thực hiện", "Forbidden"),
    404: Text("Không tìm thấy", "Not found"),
    405: Text("Phương thức không được hỗ trợ", "Method not allowed"),
    406: Text("Không có định dạng phù hợp", "Not acceptable"),
    409: Text("Xung đột dữ liệu", "Conflict"),
    410: Text("Không còn khả dụng", "Gone"),
    412: Text("Điều kiện tiên quyết không thỏa mãn", "Precondition failed"),
    413: Text("Nội dung yêu cầu quá lớn", "Request body too large"),
    415: Text("Định dạng nội dung không được hỗ trợ", "Unsupported media type"),
    422: Text("Dữ liệu không hợp lệ", "Invalid data"),
    428: Text("Thiếu điều kiện tiên quyết", "Precondition required"),
    429: Text("Quá nhiều yêu cầu", "Too many requests"),
    500: Text("Lỗi máy chủ", "Internal server error"),
    503: Text("Dịch vụ tạm thời không khả dụng", "Service temporarily unavailable"),
}


class FieldError(BaseModel):
    """One problem with one input field or row."""

    loc: list[str | int] | None = None
    pointer: str | None = Field(default=None, description="JSON Pointer into the request body")
    code: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": "urn:doan3cd:problem:unit_not_found",
                "title": "Không tìm thấy",
                "status": 404,
                "detail": "Không tìm thấy tổ chức Đoàn.",
                "instance": "/api/v1/units/6f1c…",
                "code": "unit_not_found",
                "request_id": "3b9c0e0f6b6a4c37",
                "errors": [],
            }
        }
    )

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str
    request_id: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    """Raised anywhere (services, dependencies) to answer with a problem response."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: Text | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        title: Text | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.title = title


def status_title(status: int) -> Text:
    if status in STATUS_TITLES:
        return STATUS_TITLES[status]
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return Text(phrase, phrase)


def problem_response(request: Request, error: ProblemError) -> JSONResponse:
    lang = request_language(request)
    request_id = getattr(request.state, "request_id", None)
    body = Problem(
        type=PROBLEM_TYPE_PREFIX + error.code,
        title=(error.title or status_title(error.status)).render(lang),
        status=error.status,
        detail=error.detail.render(lang) if error.detail else None,
        instance=request.url.path,
        code=error.code,
        request_id=request_id,
        errors=error.errors,
    )
    headers = dict(error.headers)
    headers["Content-Language"] = lang
    if request_id:
        headers["X-Request-ID"] = request_id
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=error.status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring problem bodies, so generated clients know them."""
    return {
        status: {
            "model": Problem,
            "description": status_title(status).en,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
