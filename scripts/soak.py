"""Soak (run by scripts/soak, which builds the binary and installs oha first).

The server on the bundled sample under a fixed-rate page/API mix (oha, open model) for the
given minutes, while, at the same time:

- three researchers send the console attacks of issue [hardening] in a loop (memory bombs,
  endless series, planning-time folding) and ordinary queries;
- a board account tries the differencing attacks on the API (as_of and from a day apart);
- someone guesses the admin's password from the same address every two seconds;
- slow clients hold half-sent requests open.

Then every page must answer, /healthz say ok, the server stop cleanly, `oncometrics audit
verify` pass, and the server's resident memory at the end be within 10% of the value after
the warm-up. Prints Markdown for RELIABILITY.md and exits non-zero when a check fails.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import serve_client
from serve_client import cookie, csrf, is_login_form, opener

BIN, SAMPLE, MINUTES, RATE, OUT = sys.argv[1:6]
PORT = 18490
BASE = f"http://127.0.0.1:{PORT}"

PAGES = ["/", "/members", "/survey", "/specialists", "/hospitals", "/renewals", "/data", "/metrics", "/console"]
# (weight, path): pages and API calls of the three audiences.
MIX = [
    (3, "/"),
    (2, "/members"),
    (1, "/members?as_of=2026-03-31"),
    (1, "/members?staff_full=40&physicians=5"),
    (1, "/survey?question=Q03&column=Q01"),
    (1, "/specialists"),
    (1, "/hospitals?pref=13&area=1301"),
    (1, "/renewals"),
    (1, "/metrics/members.composition?by=category,prefecture"),
    (2, "/api/v1/metrics/members.physician_share"),
    (1, "/api/v1/metrics/members.flows?by=month,profession"),
    (1, "/api/v1/metrics/hospitals.blank_area_count?by=prefecture"),
    (1, "/api/v1/metrics/survey.response_rate?by=profession"),
]
CONSOLE_ATTACKS = [
    "SELECT length(repeat(arrow_cast('x','LargeUtf8'), 1000000000000))",
    "SELECT cardinality(array_repeat(1, 100000000000))",
    "SELECT repeat('x', 100000) FROM generate_series(1, 10000)",
    "SELECT count(*) FROM generate_series(1, 10000000000)",
    "SELECT lpad('x', 2000000000) FROM generate_series(1, 100)",
    "SELECT area_code, sum(population_2020) FROM areas GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
    "COPY areas TO '/tmp/soak-x.csv'",
]
DIFFERENCING = [
    "/api/v1/metrics/members.flows?as_of=2026-10-30&by=fiscal_year,profession",
    "/api/v1/metrics/members.flows?from=2023-04-02&by=month,profession",
    "/api/v1/metrics/members.composition?as_of=2026-10-14&by=category,prefecture",
    "/api/v1/metrics/members.joins_before_after?as_of=2026-09-30",
]


def run(*args, env):
    return subprocess.run([BIN, *args], env=env, capture_output=True, text=True)


def fetch(op, path, data=None, timeout=60):
    return serve_client.fetch(op, BASE + path, data, timeout)


def login(user, password):
    return serve_client.login(BASE, user, password)[0]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start(env):
    p = subprocess.Popen([BIN, "serve", "--addr", f"127.0.0.1:{PORT}", "--sample", SAMPLE], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    end = time.time() + 900
    while time.time() < end:
        status, body = fetch(opener(), "/healthz", timeout=2)
        if status == 200 and body.strip() == "ok":
            return p
        if p.poll() is not None:
            raise SystemExit("soak: the server exited while starting")
        time.sleep(0.2)
    raise SystemExit("soak: the server did not become ready")


def stop(p):
    p.send_signal(signal.SIGINT)
    try:
        return p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        return None


def oha(urls, seconds, session, raw):
    subprocess.run(
        ["oha", "--urls-from-file", urls, "-z", f"{seconds}s", "-q", RATE, "--latency-correction", "-c", "16",
         "-w", "--no-tui", "--output-format", "json", "-o", raw, "-H", f"Cookie: om_session={session}"],
        check=True, stdout=subprocess.DEVNULL,
    )
    with open(raw) as f:
        return json.load(f)


class Abuse:
    """The attacks that run beside the load, with a tally of what the server answered."""

    def __init__(self):
        self.stop = threading.Event()
        self.tally = {}
        self.lock = threading.Lock()
        self.threads = []

    def count(self, what, status):
        with self.lock:
            key = (what, str(status))
            self.tally[key] = self.tally.get(key, 0) + 1

    def spawn(self, f, *args):
        t = threading.Thread(target=f, args=args, daemon=True)
        t.start()
        self.threads.append(t)

    def console(self, op):
        i = 0
        while not self.stop.is_set():
            _, form = fetch(op, "/console")
            sql = CONSOLE_ATTACKS[i % len(CONSOLE_ATTACKS)]
            status, _ = fetch(op, "/console", urllib.parse.urlencode({"sql": sql, "csrf": csrf(form)}).encode())
            self.count("console", status)
            i += 1

    def differencing(self, op):
        i = 0
        while not self.stop.is_set():
            status, _ = fetch(op, DIFFERENCING[i % len(DIFFERENCING)])
            self.count("differencing API", status)
            i += 1
            time.sleep(0.5)

    def guesses(self):
        while not self.stop.is_set():
            op = opener()
            _, form = fetch(op, "/login")
            data = {"username": "admin", "password": f"guess-{time.time()}", "csrf": csrf(form)}
            status, _ = fetch(op, "/login", urllib.parse.urlencode(data).encode())
            self.count("wrong admin password", status)
            time.sleep(2)

    def slow_clients(self, n):
        while not self.stop.is_set():
            socks = []
            for _ in range(n):
                try:
                    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
                    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
                    socks.append(s)
                except OSError:
                    self.count("slow client refused", "-")
            t0 = time.time()
            for s in socks:
                try:
                    s.settimeout(max(0.1, 30 - (time.time() - t0)))
                    cut = s.recv(1) == b""
                except OSError:
                    cut = True
                self.count("slow client cut off", "yes" if cut else "no")
                s.close()


def main():
    minutes = float(MINUTES)
    os.makedirs(OUT, exist_ok=True)
    checks = []
    with tempfile.TemporaryDirectory() as work:
        wh = os.path.join(work, "warehouse.duckdb")
        env = dict(os.environ, ONCOMETRICS_WAREHOUSE=wh, RUST_LOG="warn")
        # First start loads the sample; accounts are made while the server is stopped.
        stop(start(env))
        passwords = {}
        for user, role in [("soak-r1", "researcher"), ("soak-r2", "researcher"), ("soak-r3", "researcher"),
                           ("soak-board", "board")]:
            out = run("user", "add", user, "--role", role, env=env)
            passwords[user] = re.search(r"password: (\S+)", out.stdout).group(1)
        passwords["admin"] = re.search(r"password: (\S+)", run("user", "reset", "admin", env=env).stdout).group(1)
        p = start(env)
        admin = login("admin", passwords["admin"])
        session = cookie(admin)
        researchers = [login(u, passwords[u]) for u in ("soak-r1", "soak-r2", "soak-r3")]
        board = login("soak-board", passwords["soak-board"])
        urls = os.path.join(work, "urls.txt")
        with open(urls, "w") as f:
            for w, path in MIX:
                f.write((BASE + path + "\n") * w)

        abuse = Abuse()
        for r in researchers:
            abuse.spawn(abuse.console, r)
        abuse.spawn(abuse.differencing, board)
        abuse.spawn(abuse.guesses)
        abuse.spawn(abuse.slow_clients, 20)

        samples = []
        sampling = threading.Event()

        def sample_rss():
            t0 = time.time()
            while not sampling.is_set():
                samples.append((time.time() - t0, rss_kib(p.pid)))
                time.sleep(5)

        threading.Thread(target=sample_rss, daemon=True).start()
        warm = oha(urls, 60, session, os.path.join(OUT, "soak-warmup.json"))
        rss_warm = rss_kib(p.pid)
        t_soak = time.time()
        result = oha(urls, int(minutes * 60), session, os.path.join(OUT, "soak.json"))
        soak_s = time.time() - t_soak
        rss_end = rss_kib(p.pid)
        abuse.stop.set()
        for t in abuse.threads:
            t.join(timeout=40)
        sampling.set()

        pages = []
        for path in PAGES:
            status, body = fetch(admin, path)
            pages.append((path, "login form" if is_login_form(body) else status))
        health = fetch(opener(), "/healthz")
        checks.append(("every page answers 200", all(s == 200 for _, s in pages), ", ".join(f"{p} {s}" for p, s in pages)))
        checks.append(("/healthz ok", health[0] == 200, f"{health[0]} {health[1].strip()[:40]}"))
        code = stop(p)
        checks.append(("the server stops on SIGINT", code == 0, f"exit {code}"))
        verify = run("audit", "verify", env=env)
        checks.append(("audit verify", verify.returncode == 0, (verify.stdout + verify.stderr).strip().splitlines()[-1:]))
        growth = (rss_end - rss_warm) / rss_warm * 100 if rss_warm else 0
        checks.append(("RSS within 10% of after warm-up", abs(growth) <= 10,
                       f"{rss_warm / 1024:.0f} MiB → {rss_end / 1024:.0f} MiB ({growth:+.1f}%)"))

    s = result.get("summary", {})
    pct = result.get("latencyPercentiles", {})
    codes = result.get("statusCodeDistribution", {})
    errors = result.get("errorDistribution", {})
    total = sum(codes.values()) + sum(errors.values())
    bad = sum(v for k, v in codes.items() if not k.startswith("2")) + sum(errors.values())
    print(f"### Soak: {minutes:g} min at {RATE} req/s, bundled sample, binary {BIN}\n")
    print(f"Warm-up 60 s ({warm.get('summary', {}).get('requestsPerSec', 0):.0f} req/s), then {soak_s:.0f} s of load "
          f"with console attacks from 3 researchers, differencing requests from a board account, a wrong admin "
          f"password every 2 s and 20 half-sent requests held open at a time.\n")
    print("| requests | achieved req/s | success | non-2xx or errors | p50 ms | p99 ms | max ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|")

    def ms(k):
        v = pct.get(k)
        return "" if v is None else f"{v * 1000:.1f}"

    print(f"| {total} | {s.get('requestsPerSec', 0):.1f} | {s.get('successRate', 0) * 100:.2f}% | {bad} | {ms('p50')} "
          f"| {ms('p99')} | {s.get('slowest', 0) * 1000:.1f} |")
    if errors or bad:
        print(f"\nStatus codes: {json.dumps(codes)}; errors: {json.dumps(errors, ensure_ascii=False)}")
    print("\n| beside the load | answer | times |")
    print("|---|---|---:|")
    for (what, status), n in sorted(abuse.tally.items()):
        print(f"| {what} | {status} | {n} |")
    print("\nResident memory of the server (MiB) every minute: " +
          ", ".join(f"{kib / 1024:.0f}" for t, kib in samples if int(t) % 60 < 5))
    print("\n| check | result | detail |")
    print("|---|---|---|")
    ok = True
    for what, passed, detail in checks:
        ok &= bool(passed)
        print(f"| {what} | {'ok' if passed else 'FAILED'} | {detail} |")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
