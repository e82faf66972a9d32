"""The plain-language privacy notice of a consultation (GDPR), in English and French."""

from __future__ import annotations


def privacy(*, title: str, identity: str, retention_days: int, moderation: str) -> dict[str, str]:
    """What is kept, why, for how long, who sees it, and how to withdraw, for the consultation ``title``."""
    name_en = ("You may give a name or an e-mail address; nothing else identifies you." if identity == "optional"
               else "We ask for no name and no e-mail address.")  # fmt: skip
    name_fr = ("Vous pouvez donner un nom ou une adresse e-mail ; rien d'autre ne vous identifie."
               if identity == "optional" else "Nous ne demandons ni nom ni adresse e-mail.")  # fmt: skip
    mod_en = ("A facilitator reads each comment before it is shown." if moderation == "pre"
              else "Comments are shown at once; a facilitator may hide one that breaks the rules.")  # fmt: skip
    mod_fr = ("Un animateur lit chaque commentaire avant qu'il soit affiché." if moderation == "pre"
              else "Les commentaires s'affichent tout de suite ; un animateur peut masquer ceux qui ne respectent "
                   "pas les règles.")  # fmt: skip
    en = (
        f"Taking part in “{title}” keeps your comments, your marks and your preferred scenario, to help the town "
        f"choose between the scenarios. {name_en} This browser keeps a random code so that you can change or "
        f"withdraw your own comments; the server keeps only a fingerprint of it. {mod_en} Marks and preferences are "
        f"published only as totals. {retention_days} days after the consultation closes, the codes (and any name or "
        "e-mail) are erased; what you wrote stays, tied to no one. You can withdraw your comments at any time "
        "while the consultation is open."
    )
    fr = (
        f"Participer à « {title} » conserve vos commentaires, vos notes et le scénario que vous préférez, pour aider "
        f"la commune à choisir entre les scénarios. {name_fr} Ce navigateur garde un code au hasard pour que vous "
        f"puissiez modifier ou retirer vos commentaires ; le serveur n'en garde qu'une empreinte. {mod_fr} Les notes "
        f"et les préférences ne sont publiées qu'en totaux. {retention_days} jours après la clôture, les codes (et "
        "les noms ou e-mails éventuels) sont effacés ; ce que vous avez écrit reste, sans lien avec vous. Vous "
        "pouvez retirer vos commentaires à tout moment tant que la consultation est ouverte."
    )
    return {"en": en, "fr": fr}
