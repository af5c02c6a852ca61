"""Reaching the runtime from a handler."""

from __future__ import annotations

from typing import cast

from quart import current_app

from app.runtime import Runtime


def runtime() -> Runtime:
    return cast(Runtime, current_app.extensions["pulse"])
