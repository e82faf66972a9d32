"""MkDocs hooks (``hooks:`` in ``mkdocs.yml``).

* ``CONTRIBUTING.md`` stays at the repository's root (where forges show it) and is served as ``contributing.md``;
  nothing is copied, so the two can never differ.
* Links between pages written in the tutorials' Markdown cells (``../reference/territory.md``, as they work in
  Jupyter) become links to the built pages. MkDocs does not read notebooks' links (mkdocs-jupyter renders them to
  HTML itself), so this also checks them: a link to a page the site does not have is a warning, an error under
  ``--strict``, as it is in Markdown pages.
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = {"contributing.md": ROOT / "CONTRIBUTING.md"}
PAGE_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#]+\.(?:md|ipynb))(#[^"]*)?"', re.IGNORECASE)
log = logging.getLogger("mkdocs.hooks.twin")


def on_files(files, *, config):
    for uri, path in OUTSIDE.items():
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_content(html, *, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html

    def link(match: re.Match) -> str:
        target, anchor = match.group(1), match.group(2) or ""
        uri = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), target))
        found = files.get_file_from_path(uri)
        if found is None or not found.is_documentation_page():
            log.warning(f"Doc file '{page.file.src_uri}' links to '{target}', which is not a page of the site.")
            return match.group(0)
        return f'href="{get_relative_url(found.url, page.url)}{anchor}"'

    return PAGE_LINK.sub(link, html)
