"""The names of the server's cookies in one place: the pages set them, the dependencies read
them, and sign-out (`server_sync.pages.sign_out`) ends every one that says who a visitor is."""

CSRF_COOKIE = "quartier_csrf"
LANG_COOKIE = "quartier_lang"
MODERATOR_COOKIE = "quartier_moderator"
PARTICIPANT_COOKIE = "quartier_participant"
JURY_COOKIE = "quartier_jury"
#: The cookies that make a browser someone: a shared classroom PC must be able to forget them.
IDENTITY_COOKIES = (PARTICIPANT_COOKIE, JURY_COOKIE, MODERATOR_COOKIE)
