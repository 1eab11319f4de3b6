"""Joining a workshop from the editor: what the start screen's forms and `quartier play --join` do.

One function per form, each taking the fields as typed and either returning the participant
(stored in the participant file, so the editor sends submissions to that workshop) or raising
a `QuartierError` whose sentence tells the pupil what to do. The forms stay filled in on an
error; nothing here changes what was typed.
"""

from game.core.errors import QuartierError
from game.core.i18n import Language
from game.io import storage
from game.io.levels import available_levels
from game.io.paths import participant_file
from game.sync import (
    Participant,
    join,
    load_participant,
    parse_invite,
    save_participant,
    server_address,
    sign_in,
)
from game.sync.client import JOIN_DEADLINE


def last_server() -> str:
    """The server this computer joined last: a sensible default for the address field."""
    person = load_participant(participant_file())
    return person.server if person else ""


def join_workshop(code_or_link: str, server: str, pseudonym: str, lang: Language) -> Participant:
    """Join with the code from the board (or a pasted link, which brings the server along).

    A phone link with a personal code pasted here signs in instead: the pupil meant "me again"."""
    invite = parse_invite(code_or_link)
    if invite.kind == "personal":
        return sign_in_again(code_or_link, server, lang)
    if not invite.code:
        raise QuartierError("join.need_code")
    address = _server(invite.server, server)
    known = already_joined(code_or_link, server)
    if known and pseudonym.strip().casefold() in ("", known.pseudonym.casefold()):
        return known  # the same pupil again (a desktop shortcut started twice): no second identity
    if not pseudonym.strip():
        raise QuartierError("join.need_pseudonym")
    person = join(address, invite.code, pseudonym, lang=lang, deadline=JOIN_DEADLINE)
    return _keep(person)


def already_joined(code_or_link: str, server: str) -> Participant | None:
    """The stored participant when this computer already joined this workshop on this server."""
    try:
        invite = parse_invite(code_or_link)
    except QuartierError:
        return None
    known = load_participant(participant_file())
    if known is None or invite.kind != "join" or not invite.code:
        return None
    same_server = known.server == (invite.server or server_address(server) or known.server)
    return known if same_server and same_code(known.workshop_code, invite.code) else None


def same_code(a: str, b: str) -> bool:
    """Codes as the server compares them: case, dashes and spaces do not count."""

    def clean(code: str) -> str:
        return code.upper().replace("-", "").replace(" ", "")

    return bool(a) and clean(a) == clean(b)


def sign_in_again(code_or_link: str, server: str, lang: Language) -> Participant:
    """Sign this computer in as the pupil who joined elsewhere, with their personal code."""
    invite = parse_invite(code_or_link)
    if not invite.code:
        raise QuartierError("join.need_personal_code")
    address = _server(invite.server, server)
    return _keep(sign_in(address, invite.code, lang=lang, deadline=JOIN_DEADLINE))


def _server(from_link: str, typed: str) -> str:
    address = from_link or server_address(typed)
    if not address:
        raise QuartierError("join.need_server")
    return address


def _keep(person: Participant) -> Participant:
    save_participant(person, participant_file(), storage)
    return person


def workshop_level(person: Participant) -> str:
    """The id of the workshop's level, checked to be on this computer (bundled or installed)."""
    if person.level_id not in {entry.doc.id for entry in available_levels()[0]}:
        raise QuartierError("join.level_missing", level=person.level_id or "?")
    return person.level_id
