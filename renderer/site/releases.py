"""What the 404 page's script needs to tell a reader on a deprecated release's URL where to go."""

from __future__ import annotations

import json

from renderer.model.versions import VersionModel


def script_json(value: object) -> str:
    """JSON to put inside a <script> element: no "<", ">" or "&" can end it or open a comment."""
    return (json.dumps(value, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def release_data(model: VersionModel) -> dict[str, object]:
    """Per plan: its title, newest release and deprecated releases (for the 404 page's script)."""
    plans = {}
    for plan in model.plans:
        if plan.releases:
            newest = model.get(f"{plan.name}@{plan.releases[0]}")
            plans[plan.name] = {"title": plan.title, "latest": newest.id, "latest_title": newest.title,
                                "deprecated": list(plan.deprecated)}
    return {"plans": plans}
