"""Small helpers shared by blueprints: turning domain errors into responses."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, render_template

from app.errors import NotFound, PermissionDenied


def or_404(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service call; NotFound becomes 404 and PermissionDenied 403."""
    try:
        return call(*args, **kwargs)
    except NotFound:
        abort(404)
    except PermissionDenied:
        abort(403)


def form_error(template: str, values: Any, errors: dict[str, str], **context: Any):
    """Re-render a form with every field's error, answering 400."""
    return render_template(template, values=values, errors=errors, **context), 400
