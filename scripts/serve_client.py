"""A logged-in HTTP client of `oncometrics serve`, shared by scripts/bench_serve.py and
scripts/soak.py (standard library only).

A generated password (first start, `user add`, `user reset`) must be changed at the first
login, and the change ends the user's sessions: `login` does what a user does — signs in,
changes the password on /account/password when asked, and signs in again with the new one.
"""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

NEW_PASSWORD = "script password for a test server 1"


def opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def fetch(op, url, data=None, timeout=60):
    """(status, body) — never raises for an HTTP status; (None, reason) when nothing answers."""
    try:
        r = op.open(url, data, timeout=timeout)
        return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, OSError) as e:
        return None, str(e)


def csrf(body):
    m = re.search(r'name="csrf" value="([^"]+)"', body)
    return m.group(1) if m else ""


def is_login_form(body):
    return 'name="username"' in body


def login(base, user, password):
    """An opener with a session for `user`; returns (opener, the password now valid)."""

    def sign_in(pw):
        op = opener()
        _, form = fetch(op, base + "/login")
        form = {"username": user, "password": pw, "csrf": csrf(form)}
        fetch(op, base + "/login", urllib.parse.urlencode(form).encode())
        return op

    op = sign_in(password)
    status, body = fetch(op, base + "/account/password")
    if status == 200 and 'name="new"' in body and "現在のパスワード" in body:
        form = {"current": password, "new": NEW_PASSWORD, "csrf": csrf(body)}
        fetch(op, base + "/account/password", urllib.parse.urlencode(form).encode())
        password = NEW_PASSWORD
        op = sign_in(password)
    status, body = fetch(op, base + "/account/password")
    if status != 200 or is_login_form(body):
        raise SystemExit(f"{user} could not log in ({status})")
    return op, password


def cookie(op, name="om_session"):
    jar = next(h for h in op.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)).cookiejar
    return next(c.value for c in jar if c.name == name)
