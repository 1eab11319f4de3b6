"""H2 (issue 13), the parts that are fixed: join codes are not handed out to strangers, and the
join rate limit holds whatever Authorization header a request makes up."""

import secrets

import httpx
from live_server import Api, LiveServer


def test_walking_the_workshop_ids_reveals_no_join_code(server):
    workshops = [server.workshop() for _ in range(3)]
    member = server.join(workshops[0], "Fox")
    for workshop in workshops:
        anonymous = server.client.get(f"/api/v1/workshops/{workshop['id']}")
        assert anonymous.status_code == 200 and anonymous.json()["code"] == ""
        stranger = server.client.get(
            f"/api/v1/workshops/{workshop['id']}", headers={"Authorization": "Bearer junk"}
        )
        assert stranger.json()["code"] == ""
    own = server.client.get(f"/api/v1/workshops/{workshops[0]['id']}", headers=member)
    assert own.json()["code"] == workshops[0]["code"]
    other = server.client.get(f"/api/v1/workshops/{workshops[1]['id']}", headers=member)
    assert other.json()["code"] == ""
    moderator = server.client.get(f"/api/v1/workshops/{workshops[1]['id']}", headers=server.mod)
    assert moderator.json()["code"] == workshops[1]["code"]


def test_a_made_up_bearer_per_request_does_not_get_round_the_join_limit(tmp_path):
    """`--rate-limit 10` allows a school's one address 100 joins a minute (a class behind NAT)."""
    server = LiveServer(tmp_path / "live", None, rate_limit=10).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            workshop = Api(client).workshop()
            statuses = [
                client.post(
                    "/api/v1/join",
                    json={"code": workshop["code"], "pseudonym": f"Puppet{i}"},
                    headers={"Authorization": f"Bearer {secrets.token_urlsafe(8)}"},
                ).status_code
                for i in range(120)
            ]
    finally:
        server.kill()
    assert statuses.count(201) <= 100 and statuses[-1] == 429


def test_a_vote_for_a_design_hidden_later_can_still_be_withdrawn(server):
    """L3: otherwise the vote stays stuck on a design nobody can see any more."""
    workshop = server.workshop(votes_per_participant=2, moderation="post")
    author, voter = server.join(workshop, "Fox"), server.join(workshop, "Owl")
    uuid, _ = server.submit(author)
    server.approve(uuid)
    server.phase(workshop, "voting")
    url = f"/api/v1/submissions/{uuid}/vote"
    assert server.client.put(url, headers=voter).json()["votes_left"] == 1
    server.moderate(uuid, "hide", "Bitte ohne Namen")
    withdrawn = server.client.delete(url, headers=voter)
    assert withdrawn.status_code == 200 and withdrawn.json()["votes_left"] == 2
    assert server.client.put(url, headers=voter).status_code == 404  # no new vote for it


def test_a_made_up_bearer_per_request_does_not_get_round_the_read_limit(tmp_path):
    """Reading (the gallery's list, a design, its picture) is limited per address too: a fresh
    junk token per request used to get a fresh allowance each time."""
    server = LiveServer(tmp_path / "live", None, rate_limit=10).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            workshop = Api(client).workshop()
            statuses = [
                client.get(
                    f"/api/v1/workshops/{workshop['id']}/submissions",
                    headers={"Authorization": f"Bearer {secrets.token_urlsafe(8)}"},
                ).status_code
                for _ in range(120)
            ]
    finally:
        server.kill()
    assert statuses.count(200) <= 100 and statuses[-1] == 429
