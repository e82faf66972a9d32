"""The strict base of every file format's models, and the field types they share.

Scenario files, sweep files and the hazard events the engines declare all validate through frozen pydantic
models that forbid unknown keys: a typo fails loudly, naming the file, the field and the value.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"  # lower-case letters, digits and dashes: safe as a folder and URL name

Lang = Literal["en", "fr"]  # the languages of the word tables (twin/words), in which files may give their texts
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]


def _without_controls(value: str, allowed: str) -> str:
    """``value`` if it holds no control character (NUL, escape...) nor lone surrogate other than ``allowed``: a
    database refuses them (PostgreSQL: NUL) or writes them raw into exports, and a terminal obeys them."""
    for i, ch in enumerate(value):
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs"):
            raise ValueError(f"must hold no control character, got U+{ord(ch):04X} at character {i + 1}")
    return value


# Text people read: one line (titles, names, labels), or prose with line breaks and tabs (descriptions, comments).
# (Annotated[str, StringConstraints(...), ONE_LINE] where a length is bounded too, so that its errors stay string_*)
ONE_LINE = AfterValidator(lambda v: _without_controls(v, ""))
PROSE = AfterValidator(lambda v: _without_controls(v, "\n\r\t"))
Line = Annotated[str, ONE_LINE]
Prose = Annotated[str, PROSE]


class Model(BaseModel):
    """Frozen, no unknown keys, no NaN, and strict: a number written as a string, or ``true`` for 1, is an error,
    never silently converted."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)
