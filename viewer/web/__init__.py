"""The web app of the viewer: ``create_app(settings)`` (nothing is built or read at import)."""

from __future__ import annotations


def create_app(settings):
    """A FastAPI app serving the runs of ``settings`` (see :mod:`viewer.web.app`)."""
    from .app import create_app as _create

    return _create(settings)
