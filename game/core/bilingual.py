"""Texts that documents carry in both UI languages (a level's title, a block's name, a goal).

Apart from `i18n`, which every command line imports, because a pydantic model needs pydantic.
"""

from pydantic import BaseModel, ConfigDict, Field

from game.core.i18n import Language


class Text(BaseModel):
    """A short text in both UI languages, as levels and the catalogue store them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    de: str = Field(max_length=4000)
    en: str = Field(max_length=4000)

    def in_(self, lang: Language) -> str:
        return self.de if lang == "de" else self.en
