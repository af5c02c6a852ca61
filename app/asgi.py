"""ASGI entry point for a process manager: `hypercorn --workers 1 app.asgi:app`."""

from app import create_app

app = create_app()
