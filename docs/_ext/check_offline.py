"""Fail when the built site would make a browser fetch anything from the internet.

Looks, in every HTML, JS and CSS file of the site, for resources loaded from an http(s) URL: <script src>,
<link href> of a stylesheet/preload/icon/font, <img src>, <iframe src>, CSS url()/@import, JS import()/importScripts.
Plain <a href> links to other sites are allowed (they are only followed on a click).
"""

import pathlib
import re
import sys

LOADS = [
    re.compile(r"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc=[\"']?(https?:)?//", re.I),
    re.compile(r"<link\b(?=[^>]*\brel=[\"']?(?:stylesheet|preload|modulepreload|icon|prefetch|preconnect|dns-prefetch))"
               r"[^>]*\bhref=[\"']?(https?:)?//", re.I),
    re.compile(r"url\(\s*[\"']?(https?:)?//", re.I),
    re.compile(r"@import\s+[\"'](https?:)?//", re.I),
    re.compile(r"\bimport\(\s*[\"']https?://", re.I),
    re.compile(r"importScripts\(\s*[\"']https?://", re.I),
]
# Known, conditional loads inside bundled libraries (only when a feature is used: mermaid diagrams, old browsers).
ALLOWED = ["unpkg.com/mermaid@", "unpkg.com/resize-observer-polyfill", "cdnjs.cloudflare.com/ajax/libs/mermaid"]

site = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "site")
bad = []
for path in sorted(site.rglob("*")):
    if path.suffix not in {".html", ".js", ".css", ".mjs"}:
        continue
    text = path.read_text(encoding="utf-8", errors="replace")
    for pattern in LOADS:
        for m in pattern.finditer(text):
            snippet = text[m.start(): m.end() + 80].replace("\n", " ")
            if not any(a in snippet for a in ALLOWED):
                bad.append(f"{path}: {snippet}")
print("\n".join(bad) or f"{site}: no resource loaded from the internet")
sys.exit(1 if bad else 0)
