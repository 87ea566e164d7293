"""The bare domain: a finder that sends people to their company's subdomain."""

from __future__ import annotations

from tests.factories import World


def test_bare_domain_shows_the_company_finder(portal) -> None:
    page = portal("").get("/")
    assert page.status_code == 200
    assert "Find your company" in page.get_data(as_text=True)


def test_finder_sends_to_the_company_login_keeping_the_port(app, world: World) -> None:
    client = app.test_client()
    page = client.get("/", base_url="http://localhost:8000").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/find", base_url="http://localhost:8000",
                           data={"company": world.a.slug.upper(), "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"http://{world.a.slug}.localhost:8000/login"


def test_unknown_company_gets_a_clear_message(portal) -> None:
    client = portal("")
    response = client.post("/find", {"company": "no-such-company"}, csrf_from="/")
    assert response.status_code == 404
    assert "No company of that name uses Plugboard." in response.get_data(as_text=True)


def test_tenant_pages_do_not_exist_on_the_bare_domain(portal) -> None:
    for path in ("/dashboard", "/login", "/stations"):
        assert portal("").get(path).status_code == 404


def test_unknown_or_malformed_tenant_host_is_404(app) -> None:
    client = app.test_client()
    assert client.get("/login", base_url="http://no-such-company.localhost").status_code == 404
    assert client.get("/login", base_url="http://a.b.localhost").status_code == 404


def test_api_paths_answer_errors_in_json(app, world: World) -> None:
    response = app.test_client().get("/api/v1/nothing", base_url=f"http://{world.a.slug}.localhost")
    assert response.status_code == 404
    assert response.json == {
        "error": "not_found",
        "message": "Nothing here: check the address against /api/v1/openapi.json."}
