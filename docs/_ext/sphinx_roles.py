"""Griffe extension: the Sphinx cross-reference roles of the docstrings become mkdocstrings cross-references.

``:class:`~twin.errors.TwinError``` -> ``[`TwinError`][twin.errors.TwinError]``; ``:func:`make_town``` ->
``[`make_town`][make_town]`` (resolved in the object's scope: the handler's ``scoped_crossrefs``). A target
that is not rendered anywhere in the site is a warning, so an error under ``mkdocs build --strict``.

Two kinds of role stay plain code instead of links:

* a target in another installed package (``xarray.Dataset``, ``numpy.ndarray``): the site is built offline,
  without those projects' inventories (``inventories: []``), so it cannot link there;
* the roles listed in the ``unlinked`` option (``{object path: [target, ...]}``, in ``mkdocs.yml``): docstrings
  whose reference cannot resolve (a private function, a name out of scope) until they are fixed. An entry that
  no longer matches a role of that object's docstring fails the build, so the list cannot go stale.
"""

from __future__ import annotations

import importlib.util
import re

import griffe

ROLE = re.compile(r":(?:py:)?(class|func|meth|mod|attr|exc|data|obj|const):`(~?)([\w.]+?)(\(\))?`")
OURS = {"twin", "viewer"}


def _external(target: str) -> bool:
    """A target in another installed package (never one of ours, never a name resolved in scope)."""
    top = target.split(".", 1)[0]
    if top in OURS or "." not in target:
        return False
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


class SphinxRoles(griffe.Extension):
    def __init__(self, unlinked: dict[str, list[str]] | None = None) -> None:
        super().__init__()
        self.unlinked = {path: set(targets) for path, targets in (unlinked or {}).items()}
        self.seen: dict[str, set[str]] = {}

    def _replace(self, path: str, match: re.Match) -> str:
        _, tilde, target, call = match.groups()
        shown = (target.rsplit(".", 1)[-1] if tilde else target) + (call or "")
        if target in self.unlinked.get(path, ()):
            self.seen.setdefault(path, set()).add(target)
            return f"`{shown}`"
        if _external(target):
            return f"`{shown}`"
        return f"[`{shown}`][{target}]"

    def on_package(self, *, pkg, **kwargs) -> None:
        """Once a package is loaded: rewrite every docstring in it, then check every ``unlinked`` entry was used."""
        for obj in _objects(pkg):
            if obj.docstring is not None:
                obj.docstring.value = ROLE.sub(lambda m, path=obj.path: self._replace(path, m), obj.docstring.value)
        stale = [
            f"{path}: {target}"
            for path, targets in self.unlinked.items()
            if path == pkg.path or path.startswith(pkg.path + ".")
            for target in sorted(targets - self.seen.get(path, set()))
        ]
        if stale:
            raise ValueError(
                "docs/_ext/sphinx_roles.py: these `unlinked` entries of mkdocs.yml match no role of their "
                f"object's docstring any more (fixed? then remove them): {'; '.join(stale)}"
            )


def _objects(obj):
    """The object and everything defined in it (not what it imports)."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)
