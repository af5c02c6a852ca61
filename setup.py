"""The wheel carries what `make build` made, so `pipx install pulse-*.whl && pulse serve` needs
no Node: the built tracker (sdk/dist), the pages with their precompressed copies (frontend/,
frontend/dist) and only the node_modules files the server sends (frontend/dist/
served-libraries.json, written by frontend/compress.mjs), plus the Alembic migrations. They go
into app/bundle/ of the build directory (app/paths.py looks there first); the checkout itself is
never written to. Everything else is in pyproject.toml."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
NOT_BUILT = "run `make build` before building a wheel (the tracker and the frontend assets)"


def _copy_tree(source: Path, target: Path, skip: set[str]) -> None:
    """`source` into `target`, without caches and without the names in `skip` at its top."""
    everywhere = shutil.ignore_patterns("__pycache__", "*.pyc")
    at_top = shutil.ignore_patterns(*skip)

    def ignore(folder: str, names: list[str]) -> set[str]:
        left_out = set(everywhere(folder, names))
        if Path(folder) == source:
            left_out |= set(at_top(folder, names))
        return left_out

    shutil.copytree(source, target, ignore=ignore, dirs_exist_ok=True)


class BuildWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install serves the checkout's own folders
        bundle = Path(self.build_lib) / "app" / "bundle"
        shutil.rmtree(bundle, ignore_errors=True)  # nothing left from an earlier build
        frontend = HERE / "frontend"
        served = frontend / "dist" / "served-libraries.json"
        tracker = HERE / "sdk" / "dist" / "pulse.min.js"
        if not served.is_file() or not tracker.is_file():
            raise SystemExit(NOT_BUILT)
        _copy_tree(HERE / "migrations", bundle / "migrations", set())
        _copy_tree(HERE / "sdk" / "dist", bundle / "sdk" / "dist", set())
        _copy_tree(frontend, bundle / "frontend", {"node_modules", "package*.json", "*.mjs"})
        for name in json.loads(served.read_text()):
            source = frontend / name
            if not source.is_file():
                raise SystemExit(f"{source} missing: {NOT_BUILT}")
            target = bundle / "frontend" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithAssets})
