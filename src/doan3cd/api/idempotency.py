"""`Idempotency-Key` for creating POSTs: a retry replays the first response, never a second effect.

The key row is inserted (inside a savepoint) before the work and filled with the response in the
same transaction, so a concurrent retry waits on the unique index and then replays the committed
answer; if the first attempt rolls back, its key disappears with it.
"""

import hashlib
from typing import Annotated

from fastapi import Depends, Header, Request, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.db.session import SessionDep
from doan3cd.models.idempotency import IdempotencyRecord

REPLAYED_HEADER = "Idempotency-Replayed"
KEPT_HEADERS = ("location", "etag", "content-type")


class Idempotency:
    def __init__(self, request: Request, session: SessionDep, key: str | None) -> None:
        self.request = request
        self.session = session
        self.key = key
        self.record: IdempotencyRecord | None = None

    async def replay(self, body: bytes | None = None) -> Response | None:
        """The stored response for a retried key, or None when this request must do the work.

        `body`: what identifies the request when its raw body was already consumed (a parsed
        multipart form: pass a digest of its fields and files)."""
        if self.key is None:
            return None
        if body is None:
            body = await self.request.body()
        principal = str(getattr(self.request.state, "principal_key", "anonymous"))
        request_hash = hashlib.sha256(
            self.request.method.encode() + b" " + self.request.url.path.encode() + b"\n" + body
        ).hexdigest()
        record = IdempotencyRecord(
            principal=principal,
            key=self.key,
            method=self.request.method,
            path=self.request.url.path,
            request_hash=request_hash,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(record)
        except IntegrityError:
            stored = await self.session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.principal == principal, IdempotencyRecord.key == self.key
                )
            )
            if stored is None or stored.status_code is None:
                raise _in_progress() from None
            if stored.request_hash != request_hash:
                raise _reused() from None
            headers = dict(stored.response_headers or {})
            headers[REPLAYED_HEADER] = "true"
            return Response(stored.response_body, status_code=stored.status_code, headers=headers)
        self.record = record
        return None

    async def remember(self, response: Response) -> Response:
        """Store `response` as the answer to this key (no-op without a key)."""
        if self.record is not None:
            self.record.status_code = response.status_code
            self.record.response_body = bytes(response.body)
            self.record.response_headers = {
                k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS
            }
            await self.session.flush()
        return response


def _reused() -> ProblemError:
    return ProblemError(
        422,
        "idempotency_key_reused",
        Text(
            "Idempotency-Key này đã được dùng cho một yêu cầu có nội dung khác.",
            "This Idempotency-Key was already used with a different request body.",
        ),
    )


def _in_progress() -> ProblemError:
    return ProblemError(
        409,
        "idempotency_in_progress",
        Text(
            "Một yêu cầu cùng Idempotency-Key đang được xử lý; hãy thử lại sau.",
            "A request with this Idempotency-Key is still being processed; retry later.",
        ),
        headers={"Retry-After": "1"},
    )


def get_idempotency(
    request: Request,
    session: SessionDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=255,
            description="Any unique string; a retry with the same key and body replays the "
            "first response instead of creating twice.",
        ),
    ] = None,
) -> Idempotency:
    return Idempotency(request, session, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
