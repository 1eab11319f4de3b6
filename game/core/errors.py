"""Errors a user can act on: a string-table key plus parameters, said in the user's language."""

from game.core.i18n import Language, text


class QuartierError(Exception):
    """Bad input or a refused action. Front ends show `message(lang)`; nothing was changed."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: Language = "en") -> str:
        return text(lang, self.key, **self.params)

    def __str__(self) -> str:
        return self.message("en")
