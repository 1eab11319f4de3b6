"""The API fuzzer (issue 13, "Done when"): Schemathesis against a real server's /openapi.json
finds no 500 and no answer that breaks the schema; and one regression test per bug it found.

Schemathesis runs as its CLI (`st run`) in a child process rather than through its pytest
plugin: the CLI runs all of its phases (the schema's examples, boundary values, random data,
and stateful sequences that feed one answer's ids into the next request), it is the same
command a developer runs for longer (CONTRIBUTING.md), and its report names each failure with
a curl line to reproduce it. The data is derandomised, so CI sees the same requests every run.

The scene is set before: a workshop with a participant and an approved submission, whose ids
the fuzzer uses for about half of the path parameters (a Schemathesis dictionary), so that it
reaches the code behind the 404s. Likewise about half of its bodies name the scene: a design
names that submission and the workshop's level (so that its changes reach the parser and the
level's rules), a new workshop a level the server has, a join the workshop's code.

It runs as the participant, then as the moderator, on a fresh process over the same data: the
participant's token on moderator routes counts as a wrong moderator guess, and the address's
lockout would otherwise answer the moderator's run with 429 only.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from live_server import MODERATOR, Api, LiveServer

from game.io.levels import find_level

#: Examples per operation and phase. QUARTIER_FUZZ_EXAMPLES and QUARTIER_FUZZ_SEED run it
#: longer or with other data locally (CONTRIBUTING.md); CI keeps these.
EXAMPLES = int(os.environ.get("QUARTIER_FUZZ_EXAMPLES", "20"))
#: Without a seed the data is derandomised (the same requests every run, as CI needs).
SEED = os.environ.get("QUARTIER_FUZZ_SEED")
#: A run that takes longer than this has hung: it fails instead of stalling CI.
SECONDS_PER_RUN = max(120, EXAMPLES * 4)

#: `positive_data_acceptance` is left out on purpose: a request the schema allows may still be
#: refused for a reason no schema can say (a join code that does not exist, a design outside
#: its level's rules), with a 4xx and a message. The checks that use ids from earlier answers
#: (`use_after_free`, `ensure_resource_availability`) do not fit an API without DELETE of
#: resources either.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "unsupported_method",
    "allow_header_conformance",
]


@dataclass
class Scene:
    workshop_id: int
    code: str
    uuid: str
    participant: str


def set_scene(url: str) -> Scene:
    """A workshop (moderation afterwards) with one participant and its approved submission."""
    with httpx.Client(base_url=url, trust_env=False) as client:
        api = Api(client)
        workshop = api.workshop(moderation="post")
        who = api.join(workshop, "Fox")
        uuid, _ = api.submit(who)
        return Scene(workshop["id"], workshop["code"], uuid, who["Authorization"])


def fuzz(url: str, token: str, scene: Scene, folder: Path) -> subprocess.CompletedProcess[str]:
    """`st run` against the server at `url` (127.0.0.1 only, no proxy) as the bearer of `token`."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "schemathesis.toml"
    config.write_text(
        f"""
headers = {{ Authorization = {json.dumps(token)} }}

[dictionaries]
workshops = {{ values = [{scene.workshop_id}] }}
codes = {{ values = [{json.dumps(scene.code)}] }}
submissions = {{ values = [{json.dumps(scene.uuid)}] }}
levels = {{ values = ["demo"] }}
hashes = {{ values = [{json.dumps(find_level("demo").sha256)}] }}

[parameters]
"path.workshop_id" = {{ dictionary = "workshops", probability = 0.5 }}
"path.uuid" = {{ dictionary = "submissions", probability = 0.5 }}
"body.code" = {{ dictionary = "codes", probability = 0.5 }}
"body.id" = {{ dictionary = "submissions", probability = 0.5 }}
"body.level_id" = {{ dictionary = "levels", probability = 0.5 }}
"body.level.id" = {{ dictionary = "levels", probability = 0.5 }}
"body.level.sha256" = {{ dictionary = "hashes", probability = 0.5 }}
"""
    )
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color"),
        *("run", f"{url}/openapi.json", "--checks", ",".join(CHECKS)),
        *("--max-examples", str(EXAMPLES)),
        *(("--seed", SEED) if SEED else ("--generation-deterministic",)),
        *("--workers", "1", "--request-timeout", "20"),
        "--output-truncate=false",
    ]
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    env = {k: v for k, v in os.environ.items() if k.lower() not in proxies}
    # Nothing but the server under test: no proxy, even one the machine is set up with.
    env |= {"NO_PROXY": "*", "no_proxy": "*"}
    return subprocess.run(
        command,
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=SECONDS_PER_RUN,
        check=False,
    )


def test_the_fuzzer_finds_no_server_error_and_no_answer_outside_the_schema(tmp_path, db_url):
    data = tmp_path / "live"
    server = LiveServer(data, db_url).start()
    try:
        scene = set_scene(server.url)
        as_participant = fuzz(server.url, scene.participant, scene, tmp_path / "participant")
    finally:
        server.kill()
    assert as_participant.returncode == 0, as_participant.stdout + as_participant.stderr
    server = LiveServer(data, db_url).start()
    try:
        as_moderator = fuzz(server.url, f"Bearer {MODERATOR}", scene, tmp_path / "moderator")
    finally:
        server.kill()
    assert as_moderator.returncode == 0, as_moderator.stdout + as_moderator.stderr


# What the fuzzer found: each a regression test of its own (in process, on SQLite: the database
# plays no part in them).


@pytest.fixture
def app_client(tmp_path):
    from fastapi.testclient import TestClient

    from server_sync.app import create_app
    from server_sync.settings import Settings

    settings = Settings(data_dir=tmp_path / "server", moderator_token=MODERATOR)
    app, _ = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/api/v1/workshops/1", "GET, PATCH"),
        ("TRACE", "/api/v1/submissions/x/vote", "PUT, DELETE"),
        ("DELETE", "/api/v1/submissions/x", "GET, PUT"),
        ("GET", "/api/v1/join", "POST"),
        ("TRACE", "/healthz", "GET"),
        ("DELETE", "/", "GET"),
    ],
)
def test_a_405_names_every_method_the_address_allows(app_client, method, path, allowed):
    """ST204/ST205: the 405 had no `Allow` header (the handler dropped it), and Starlette's
    own named only one route of a path that FastAPI serves with one route per method."""
    answer = app_client.request(method, path)
    assert answer.status_code == 405
    assert answer.headers.get_list("allow") == [allowed]


def test_the_schema_documents_the_refusals_the_server_really_sends(app_client):
    """Every API operation documents its 4xx and 5xx as `{"error": {code, message}}`, which is
    what it sends; FastAPI's own 422 (`{"detail": [...]}`) is never announced."""
    schema = app_client.get("/openapi.json").json()
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["error"]
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            for kind in ("4XX", "5XX"):
                content = responses[kind]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
    refused = app_client.get("/api/v1/workshops/99")
    assert refused.status_code == 404
    assert set(refused.json()["error"]) == {"code", "message"}


def test_the_schema_documents_the_design_sent_and_shown(app_client):
    """PUT /submissions/{uuid} takes a design file and GET answers with it: both were missing
    from the schema, so no client (and no fuzzer) knew what to send."""
    schema = app_client.get("/openapi.json").json()
    operations = schema["paths"]["/api/v1/submissions/{uuid}"]
    design = {"$ref": "#/components/schemas/DesignDocument"}
    assert operations["put"]["requestBody"]["content"]["application/json"]["schema"] == design
    shown = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert shown == {"$ref": "#/components/schemas/SubmissionWithDesignOut"}
    with_design = schema["components"]["schemas"]["SubmissionWithDesignOut"]
    assert with_design["properties"]["design"] == design
    # A file without its version or format is refused, whatever the model's defaults: the
    # schema said they could be left out, so most designs the fuzzer sent ended there.
    required = schema["components"]["schemas"]["DesignDocument"]["required"]
    assert {"schema_version", "format"} <= set(required)


def test_the_schema_names_the_views_of_a_picture(app_client):
    """`view` was any string in the schema; the server draws five and refuses the rest."""
    schema = app_client.get("/openapi.json").json()
    get = schema["paths"]["/api/v1/submissions/{uuid}/image.png"]["get"]
    (view,) = [p for p in get["parameters"] if p["name"] == "view"]
    assert view["schema"]["enum"] == ["iso", "top", "zone", "before", "locator"]
    refused = app_client.get("/api/v1/submissions/x/image.png", params={"view": "side"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "bad_view"
