"""ASGI entry point for a process manager: `hypercorn --workers 1 app.asgi:app`."""

from dataclasses import replace

from app import create_app
from app.settings import Settings

app = create_app(replace(Settings.from_env(), tune_gc=True))
