"""A real server process: many voters at once, and a crash in the middle of submissions."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

MOD = {"Authorization": "Bearer test-moderator-token-0123456789abcdef"}


def _setup(url: str, authors: int, voters: int, make_design) -> tuple[dict, list[str], list[dict]]:
    with httpx.Client(base_url=url, timeout=60) as c:
        w = c.post(
            "/api/v1/workshops",
            json={"title": "Live", "level_id": "demo", "moderation": "post"},
            headers=MOD,
        ).json()

        def join(name):
            return {
                "Authorization": "Bearer "
                + c.post("/api/v1/join", json={"code": w["code"], "pseudonym": name}).json()[
                    "token"
                ]
            }

        designs = []
        for i in range(authors):
            text = make_design(f"D{i}", 48 + 4 * (i % 7))
            uuid = json.loads(text)["id"]
            assert (
                c.put(
                    f"/api/v1/submissions/{uuid}", content=text, headers=join(f"Author{i}")
                ).status_code
                == 201
            )
            designs.append(uuid)
        voter_headers = [join(f"Voter{i}") for i in range(voters)]
        c.patch(f"/api/v1/workshops/{w['id']}", json={"phase": "voting"}, headers=MOD)
    return w, designs, voter_headers


def test_fifty_voters_at_once_never_exceed_their_votes_or_vote_twice(live_server, make_design):
    live_server.start()
    w, designs, voters = _setup(live_server.url, 6, 50, make_design)

    def storm(headers):
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            # every design twice, in parallel with everyone else: 12 tries for 3 votes
            return [
                c.put(f"/api/v1/submissions/{d}/vote", headers=headers).status_code
                for d in designs * 2
            ]

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(storm, voters))
    assert all(code in (200, 409) for codes in answers for code in codes)
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        results = c.get(f"/api/v1/workshops/{w['id']}/results", headers=MOD).json()
        left = [c.put(f"/api/v1/submissions/{designs[0]}/vote", headers=h) for h in voters]
    assert sum(r["votes"] for r in results) == 50 * 3  # everyone got exactly three, no more
    assert all(r.status_code in (200, 409) for r in left)
    assert all(r.json().get("votes_left", 0) == 0 for r in left if r.status_code == 200)


def test_a_killed_server_keeps_every_acknowledged_submission_exactly_once(live_server, make_design):
    live_server.start()
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        w = c.post(
            "/api/v1/workshops",
            json={"title": "Crash", "level_id": "demo", "moderation": "post"},
            headers=MOD,
        ).json()
        people = [
            {
                "Authorization": "Bearer "
                + c.post("/api/v1/join", json={"code": w["code"], "pseudonym": f"P{i}"}).json()[
                    "token"
                ]
            }
            for i in range(8)
        ]
    texts = [make_design(f"T{i}", 48 + 3 * (i % 9)) for i in range(40)]
    acknowledged = set()

    def submit(i):
        try:
            with httpx.Client(base_url=live_server.url, timeout=10) as c:
                uuid = json.loads(texts[i])["id"]
                r = c.put(f"/api/v1/submissions/{uuid}", content=texts[i], headers=people[i % 8])
                if r.status_code in (200, 201):
                    acknowledged.add(uuid)
        except httpx.HTTPError:
            pass  # the server died under this request: the client's outbox will resend it

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(submit, i) for i in range(40)]
        deadline = time.monotonic() + 60
        while len(acknowledged) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        live_server.kill()  # mid-stream: some requests are in flight
        for f in futures:
            f.result()
    assert acknowledged
    live_server.start()
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        stored = [
            s["uuid"] for s in c.get(f"/api/v1/workshops/{w['id']}/submissions", headers=MOD).json()
        ]
        assert acknowledged <= set(stored) and len(stored) == len(set(stored))
        for i in range(40):  # the clients resend everything; nothing is doubled
            uuid = json.loads(texts[i])["id"]
            assert c.put(
                f"/api/v1/submissions/{uuid}", content=texts[i], headers=people[i % 8]
            ).status_code in (200, 201)
        stored = [
            s["uuid"] for s in c.get(f"/api/v1/workshops/{w['id']}/submissions", headers=MOD).json()
        ]
        assert len(stored) == 40 == len(set(stored))
        revisions = [
            s["revision"]
            for s in c.get(f"/api/v1/workshops/{w['id']}/submissions", headers=MOD).json()
        ]
        assert set(revisions) == {1}


def test_worker_processes_share_a_socket_that_asyncio_treats_as_tcp():
    """Else asyncio leaves Nagle on and every response waits for a delayed ACK (~40 ms)."""
    import socket

    from server_sync.asgi import _TcpConfig
    from server_sync.connections import ConnectionLimits

    limits = ConnectionLimits(header_timeout=10, body_timeout=60, keep_alive=15, max_connections=9)
    config = _TcpConfig(
        "server_sync.asgi:app", limits, factory=True, workers=2, host="127.0.0.1", port=0
    )
    with config.bind_socket() as sock:
        assert sock.proto == socket.IPPROTO_TCP
