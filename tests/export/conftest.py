"""A finished workshop to export: approved designs with votes, jury stars and feedback, one hidden,
one rejected, and a voter who submitted nothing, on SQLite and PostgreSQL (the `server` fixture)."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from server_sync.models import JuryMember, JuryRating
from server_sync.security import token_hash

FORMULA = '=HYPERLINK("http://x","y")'
# title, author, x of its building, votes it gets, jury stars, moderation (action, reason)
DESIGNS = [
    ("Grüner Hof", "Möwe", 50, 3, [5, 4], ("approve", "Schön grün – danke!")),
    (FORMULA, "Fuchs", 56, 2, [], ("approve", "")),
    ("../../etc", "Bär", 62, 1, [3], ("approve", "")),
    ("Geheimer Entwurf", "Schattenfuchs", 68, 0, [], ("hide", "Bitte ohne Namen echter Personen.")),
    ("Abgelehnter Plan", "Regenwurm", 74, 0, [], ("reject", "Leider unpassend.")),
]
VOTERS = ("Stillerwaehler", "Leisemaus", "Nachtfalke")  # they vote and submit nothing


@dataclass
class Council:
    """The workshop as the tests see it, with every secret that must stay out of the bundle."""

    server: object
    workshop: dict
    data_dir: Path
    db_url: str
    uuids: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    #: (title, pseudonym, votes) of the approved designs, the ones a plain export shows
    approved: list[tuple[str, str, int]] = field(default_factory=list)
    formula: str = FORMULA

    def cli(self, *args: str) -> list[str]:
        return [
            "export",
            "--workshop",
            self.workshop["code"],
            "--data-dir",
            str(self.data_dir),
            "--db",
            self.db_url,
            *args,
        ]


@pytest.fixture
def council(server) -> Council:
    svc = server.client.app.state.server
    workshop = server.workshop(title="Unser Platz am Kanal", votes_per_participant=3)
    found = Council(
        server, workshop, svc.data_dir, svc.engine.url.render_as_string(hide_password=False)
    )
    authors = {}
    for title, author, x, _, _, (action, reason) in DESIGNS:
        authors[title] = server.join(workshop, author)
        uuid, _ = server.submit(authors[title], title, x)
        found.uuids[title] = uuid
        response = server.client.post(
            f"/api/v1/submissions/{uuid}/moderation",
            json={"action": action, "reason": reason},
            headers=server.mod,
        )
        assert response.status_code == 200, response.text
    voters = [server.join(workshop, name) for name in VOTERS]
    server.phase(workshop, "voting")
    for title, _, _, votes, _, _ in DESIGNS:
        for voter in voters[:votes]:
            response = server.client.put(
                f"/api/v1/submissions/{found.uuids[title]}/vote", headers=voter
            )
            assert response.status_code == 200, response.text
    with svc.sessions() as session:
        for n in range(2):
            session.add(
                JuryMember(
                    workshop_id=workshop["id"],
                    label=f"Jury {n + 1}",
                    token_hash=token_hash(f"j{n}"),
                )
            )
        session.flush()
        members = [m.id for m in session.query(JuryMember).filter_by(workshop_id=workshop["id"])]
        for title, _, _, _, stars, _ in DESIGNS:
            for member, value in zip(members, stars):
                session.add(
                    JuryRating(
                        jury_member_id=member, submission_uuid=found.uuids[title], stars=value
                    )
                )
        session.commit()
    server.phase(workshop, "closed")
    found.approved = [
        (title, author, votes)
        for title, author, _, votes, _, (action, _) in DESIGNS
        if action == "approve"
    ]
    tokens = [h["Authorization"].split()[1] for h in [*authors.values(), *voters]]
    found.secrets = [
        *VOTERS,
        *tokens,
        *map(token_hash, tokens),
        "Geheimer Entwurf",
        found.uuids["Geheimer Entwurf"],
        "Schattenfuchs",
        "Abgelehnter Plan",
        found.uuids["Abgelehnter Plan"],
        "Regenwurm",
        "Bitte ohne Namen",
        "Leider unpassend",
    ]
    return found
