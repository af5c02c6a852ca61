"""JSON errors everywhere: a client always learns what was wrong, and never sees a bare 500 page."""

from __future__ import annotations

import logging

from quart import Quart, Response, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def error_response(status: int, message: str, field: str | None = None) -> Response:
    body: dict[str, str] = {"error": message}
    if field is not None:
        body["field"] = field
    response = jsonify(body)
    response.status_code = status
    return response


class Refusal(Exception):
    """Raised by a handler's helpers (e.g. app/api/access.py) to answer a JSON error at once."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def register(app: Quart) -> None:
    @app.errorhandler(Refusal)
    async def _refused(exc: Refusal) -> Response:
        return error_response(exc.status, exc.message, exc.field)

    @app.errorhandler(HTTPException)
    async def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"request body larger than {limit} bytes"
            return error_response(status, message, "body")
        return error_response(status, message)

    @app.errorhandler(Exception)
    async def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal error")
