"""L6: the interactive API pages were blank (the CSP blocks their CDN scripts); they are off,
and the schema they would show stays at /openapi.json. Against a real server process."""

import httpx
import pytest
from live_server import LiveServer


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("docs"), None).start()
    try:
        yield server
    finally:
        server.kill()


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_blank_api_pages_are_not_served(live, path):
    response = httpx.get(live.url + path, timeout=10)
    assert response.status_code == 404
    assert "swagger-ui" not in response.text and "redoc.standalone" not in response.text


def test_the_openapi_schema_is_still_served_as_json(live):
    response = httpx.get(live.url + "/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "/api/v1/submissions/{uuid}" in response.json()["paths"]
