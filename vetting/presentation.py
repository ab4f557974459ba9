"""Shapes a scorer result for templates (plain dicts, like stored assessments)."""
from __future__ import annotations

import dataclasses
from typing import Any

from vetting.results import VettingResult
from vetting.services import blocking_findings


def vetting_view(result: VettingResult, text: str) -> dict[str, Any]:
    """What the job form shows after a check: score, message, findings and the scored text."""
    return {
        "score": result.score, "message": result.message, "scored": result.scored,
        "blocking": len(blocking_findings(result)),
        "findings": [dataclasses.asdict(f) for f in result.findings],
        "text": text,
    }
