"""Logging in, roles, CSRF, login throttling and API tokens, all through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import wait_until

from lab_server.web.ratelimit import LoginThrottle


def test_pages_need_a_login(client: FlaskClient, login: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/kits").status_code == 401
    assert client.get("/live").status_code == 401


def test_login_and_logout(client: FlaskClient, login: Any, csrf_of: Any) -> None:
    response = login(client, "teacher")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/api/me").get_json() == {"user": "teacher", "role": "teacher",
                                                "via": "session"}
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 302
    assert client.get("/api/me").status_code == 401


def saved_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("kitlab_session")
    assert cookie is not None
    return cookie.value


def replay(app: Flask, cookie: str) -> int:
    """The status of ``/api/me`` for a browser that kept an old copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("kitlab_session", cookie)
    return thief.get("/api/me").status_code


def test_a_cookie_saved_before_logout_is_worth_nothing_after(
        app: Flask, login: Any, csrf_of: Any) -> None:
    laptop, tablet = app.test_client(), app.test_client()
    assert login(laptop, "teacher").status_code == 302
    assert login(tablet, "teacher").status_code == 302
    cookie = saved_cookie(laptop)
    assert replay(app, cookie) == 200
    assert laptop.post("/logout", data={"csrf_token": csrf_of(laptop)}).status_code == 302
    assert replay(app, cookie) == 401
    assert tablet.get("/api/me").status_code == 401  # logout ends the user's sessions
    assert login(laptop, "teacher").status_code == 302  # and a new login works


@pytest.mark.parametrize("change", [
    ["users", "password", "teacher", "--password", "a new password 2"],
    ["users", "role", "teacher", "--role", "mentor"],
])
def test_a_password_or_role_change_ends_the_users_sessions(
        app: Flask, login: Any, change: list[str]) -> None:
    browser = app.test_client()
    assert login(browser, "teacher").status_code == 302
    cookie = saved_cookie(browser)
    result = app.test_cli_runner().invoke(args=change)
    assert result.exit_code == 0, result.output
    assert browser.get("/api/me").status_code == 401
    assert replay(app, cookie) == 401


def test_a_wrong_password_is_refused(client: FlaskClient, login: Any) -> None:
    response = login(client, "teacher", "wrong")
    assert response.status_code == 401
    assert "Wrong name or password" in response.get_data(as_text=True)
    assert login(client, "nobody", "wrong").status_code == 401
    assert client.get("/api/me").status_code == 401


def test_login_redirects_only_within_the_site(client: FlaskClient, csrf_of: Any,
                                              passwords: Any) -> None:
    token = csrf_of(client)
    for target, expected in (("/kits/kit-1", "/kits/kit-1"), ("https://evil.example/", "/"),
                             ("//evil.example/x", "/")):
        response = client.post("/login", data={"username": "mentor",
                                                "password": passwords["mentor"],
                                                "csrf_token": token, "next": target})
        assert response.headers["Location"] == expected
        token = csrf_of(client)


def test_passwords_are_stored_as_scrypt_hashes(services: Any, passwords: Any) -> None:
    stored = services.store.user("teacher").password_hash
    assert stored.startswith("scrypt:") and passwords["teacher"] not in stored


def test_login_without_csrf_token_is_refused(client: FlaskClient, passwords: Any) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "teacher",
                                           "password": passwords["teacher"]})
    assert response.status_code == 400
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize(("url", "body"), [
    ("/api/kits/kit-1/commands", {"name": "stop"}),
    ("/api/commands", {"name": "stop"}),
    ("/api/kits", {"kit": "kit-9"}),
    ("/api/tokens", {}),
])
def test_state_changes_without_csrf_are_refused(teacher: FlaskClient, lab: Any, url: str,
                                                body: dict[str, Any]) -> None:
    sim = lab.kit("kit-1")
    response = teacher.post(url, json=body)
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["error"]
    response = teacher.post(url, json=body, headers={"X-CSRF-Token": "not-the-token"})
    assert response.status_code == 400
    assert sim.commands == []


def test_form_posts_without_csrf_are_refused(teacher: FlaskClient, lab: Any) -> None:
    lab.kit("kit-1")
    assert teacher.post("/kits/kit-1/command", data={"name": "stop"}).status_code == 400
    assert teacher.post("/command-all", data={"name": "stop"}).status_code == 400
    assert teacher.post("/kits/new", data={"kit": "kit-2"}).status_code == 400
    assert teacher.post("/kits/kit-1/team", data={"team": "x"}).status_code == 400
    assert teacher.post("/logout").status_code == 400
    assert teacher.get("/api/me").status_code == 200


MENTOR_REFUSED = [
    ("post", "/api/kits/kit-1/commands", {"json": {"name": "stop"}}),
    ("post", "/api/commands", {"json": {"name": "lock", "args": {"message": "x"}}}),
    ("post", "/kits/kit-1/command", {"data": {"name": "stop"}}),
    ("post", "/command-all", {"data": {"name": "stop"}}),
    ("post", "/api/kits", {"json": {"kit": "kit-9"}}),
    ("post", "/kits/new", {"data": {"kit": "kit-9"}}),
    ("post", "/kits/kit-1/team", {"data": {"team": "blue"}}),
    ("get", "/export.csv", {}),
    ("get", "/export.csv?kit=kit-1", {}),
    ("get", "/export", {}),
    ("get", "/kits/new", {}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), MENTOR_REFUSED)
def test_a_mentor_is_refused_every_command_export_and_provisioning(
        mentor: FlaskClient, lab: Any, services: Any, method: str, url: str,
        kwargs: dict[str, Any], csrf_of: Any) -> None:
    sim = lab.kit("kit-1")
    response = getattr(mentor, method)(url, headers={"X-CSRF-Token": csrf_of(mentor)},
                                       **kwargs)
    assert response.status_code == 403
    assert sim.commands == []
    assert services.store.kit("kit-9") is None
    assert services.store.kit("kit-1").team is None


@pytest.mark.parametrize(("method", "url", "kwargs"), MENTOR_REFUSED)
def test_a_mentors_token_is_refused_too(client: FlaskClient, lab: Any, method: str, url: str,
                                        kwargs: dict[str, Any], login: Any, csrf_of: Any) -> None:
    sim = lab.kit("kit-1")
    assert login(client, "mentor").status_code == 302
    token = client.post("/api/tokens", headers={"X-CSRF-Token": csrf_of(client)}
                        ).get_json()["token"]
    bare = client.application.test_client()
    response = getattr(bare, method)(url, headers={"Authorization": f"Bearer {token}"},
                                     **kwargs)
    assert response.status_code == 403
    assert sim.commands == []


def test_a_mentor_can_look(mentor: FlaskClient, lab: Any) -> None:
    lab.kit("kit-1")
    assert mentor.get("/").status_code == 200
    page = mentor.get("/kits/kit-1").get_data(as_text=True)
    assert "cmd-stop" not in page and "Stop all" not in page
    assert mentor.get("/api/kits").status_code == 200
    assert mentor.get("/api/kits/kit-1/series").status_code == 200


def test_failed_logins_are_throttled(client: FlaskClient, login: Any) -> None:
    for _ in range(5):
        assert login(client, "teacher", "guess").status_code == 401
    response = login(client, "teacher")  # the right password, too late
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/api/me").status_code == 401


def test_throttling_by_address_covers_other_names(client: FlaskClient, login: Any) -> None:
    for number in range(client.application.config["LOGIN_ADDRESS_FAILURES"]):
        assert login(client, f"user{number}", "guess").status_code == 401
    assert login(client, "mentor").status_code == 429


def from_address(app: Flask, address: str) -> FlaskClient:
    """A browser at ``address`` (only the WSGI environ says so: nothing is sent anywhere)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_flood_from_one_address_cannot_lock_the_teacher_out_elsewhere(
        app: Flask, login: Any) -> None:
    attacker = from_address(app, "127.0.0.9")
    answers = {login(attacker, "teacher", "guess").status_code for _ in range(30)}
    assert answers == {401, 429}
    teacher = from_address(app, "127.0.0.2")
    assert login(teacher, "teacher").status_code == 302
    assert teacher.get("/api/me").get_json()["user"] == "teacher"


def test_a_throttled_login_says_when_to_try_again(app: Flask, login: Any) -> None:
    client = from_address(app, "127.0.0.9")
    for _ in range(app.config["LOGIN_FAILURES"]):
        assert login(client, "teacher", "guess").status_code == 401
    response = login(client, "teacher")
    wait = int(response.headers["Retry-After"])
    assert response.status_code == 429 and 0 < wait <= app.config["LOGIN_WINDOW"]
    minutes = -(-wait // 60)
    assert f"Try again in {minutes} minute" in response.get_data(as_text=True)


def test_a_global_limit_bounds_guessing_from_many_addresses(app: Flask, login: Any) -> None:
    app.config.update(LOGIN_GLOBAL_FAILURES=12, LOGIN_ADDRESS_FAILURES=5)  # scrypt is slow
    limit, per_address = 12, 5
    for number in range(limit):
        client = from_address(app, f"127.0.{number // per_address}.{number % per_address + 1}")
        assert login(client, f"user{number}", "guess").status_code == 401
    newcomer = from_address(app, "127.0.200.1")
    assert login(newcomer, "someone", "guess").status_code == 429


def test_the_throttle_forgets_after_its_window() -> None:
    now = [1000.0]
    throttle = LoginThrottle(60.0, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed([("a", 3)])
    assert throttle.retry_after([("a", 3)]) == pytest.approx(60.0)
    now[0] += 30
    assert throttle.retry_after([("a", 3), ("b", 3)]) == pytest.approx(30.0)
    now[0] += 30.1
    assert throttle.retry_after([("a", 3)]) == 0
    throttle.failed([("a", 3)])
    throttle.succeeded("a")
    assert throttle.retry_after([("a", 3)]) == 0


def test_each_key_has_its_own_limit() -> None:
    now = [1000.0]
    throttle = LoginThrottle(60.0, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed([("pair", 3), ("all", 5)])
        now[0] += 1
    assert throttle.retry_after([("all", 5)]) == 0
    assert throttle.retry_after([("pair", 3)]) == pytest.approx(57.0)


def test_the_throttle_keeps_bounded_memory() -> None:
    throttle = LoginThrottle(60.0, max_keys=10)
    for number in range(100):
        throttle.failed([(f"k{number}", 3)])
    assert len(throttle._seen) == 10


def test_api_tokens(client: FlaskClient, lab: Any, services: Any, login: Any, csrf_of: Any) -> None:
    sim = lab.kit("kit-1")
    assert login(client, "teacher").status_code == 302
    made = client.post("/api/tokens", headers={"X-CSRF-Token": csrf_of(client)})
    assert made.status_code == 201
    token = made.get_json()["token"]
    script = client.application.test_client()  # no cookie, no CSRF token: a script
    auth = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/me", headers=auth).get_json()["via"] == "token"
    response = script.post("/api/kits/kit-1/commands", json={"name": "identify",
                                                             "args": {"seconds": 2}},
                           headers=auth)
    assert response.status_code == 202
    wait_until(lambda: sim.commands, 10, "the kit got the command")
    assert [c.name for c in sim.commands] == ["identify"]
    # a new token replaces the old one
    client.post("/api/tokens", headers={"X-CSRF-Token": csrf_of(client)})
    assert script.get("/api/me", headers=auth).status_code == 401


def test_bad_authorization_headers(client: FlaskClient) -> None:
    for header in ("Bearer", "Bearer nope", "Basic dGVhY2hlcjp4", "token"):
        response = client.get("/api/kits", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_tokens_are_stored_hashed(client: FlaskClient, services: Any, login: Any,
                                  csrf_of: Any) -> None:
    assert login(client, "teacher").status_code == 302
    token = client.post("/api/tokens", headers={"X-CSRF-Token": csrf_of(client)}
                        ).get_json()["token"]
    from lab_server.web.access import token_hash

    assert services.store.user_by_token(token) is None
    assert services.store.user_by_token(token_hash(token)).name == "teacher"


def test_no_password_or_token_in_the_log(client: FlaskClient, caplog: pytest.LogCaptureFixture
                                         , login: Any, csrf_of: Any, passwords: Any) -> None:
    caplog.set_level("DEBUG")
    login(client, "teacher", "a-wrong-secret-guess")
    login(client, "teacher")
    token = client.post("/api/tokens", headers={"X-CSRF-Token": csrf_of(client)}
                        ).get_json()["token"]
    client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    for secret in ("a-wrong-secret-guess", passwords["teacher"], token,
                   str(client.application.config["SECRET_KEY"])):
        assert secret not in caplog.text
