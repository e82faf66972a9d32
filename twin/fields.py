"""The strict base of every file format's models, and the field types they share.

Scenario files, sweep files and the hazard events the engines declare all validate through frozen pydantic
models that forbid unknown keys: a typo fails loudly, naming the file, the field and the value.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"  # lower-case letters, digits and dashes: safe as a folder and URL name

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]


class Model(BaseModel):
    """Frozen, no unknown keys, no NaN, and strict: a number written as a string, or ``true`` for 1, is an error,
    never silently converted."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)
