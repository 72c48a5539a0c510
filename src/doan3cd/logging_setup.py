"""Log records carry the request id; nothing here logs bodies, tokens or personal data."""

import logging

from doan3cd.api.middleware import current_request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger("doan3cd")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
