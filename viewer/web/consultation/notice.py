"""The plain-language privacy notice of a consultation (GDPR), in every language of :mod:`twin.words`."""

from __future__ import annotations

from twin.words import LANGS, text


def privacy(*, title: str, identity: str, retention_days: int, moderation: str) -> dict[str, str]:
    """What is kept, why, for how long, who sees it, and how to withdraw, for the consultation ``title``;
    ``identity`` is ``"optional"`` or ``"none"``, ``moderation`` ``"pre"`` or ``"post"``."""
    who = "optional" if identity == "optional" else "none"
    when = "pre" if moderation == "pre" else "post"
    return {
        lang: text(
            "notice.privacy",
            lang,
            title=title,
            retention_days=retention_days,
            identity=text(f"notice.identity.{who}", lang),
            moderation=text(f"notice.moderation.{when}", lang),
        )
        for lang in LANGS
    }
