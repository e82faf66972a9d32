"""The word table of a language, for the page: the same words the report and the command line use."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from twin.words import table

from .. import schemas

router = APIRouter(prefix="/api", tags=["words"], responses=schemas.errors(400, 404, 422))


@router.get("/words", response_model=schemas.WordTable, summary="Every word of the page in one language")
def get_words(lang: Annotated[Literal["en", "fr"], Query(description="language of the words")] = "en"):
    return schemas.WordTable(lang=lang, words=dict(table(lang)))
