"""Dashboard benchmark (run by scripts/bench-serve, which builds the release binary and
installs oha first).

1. Cold start on the bundled sample: the time from launching `oncometrics serve` to the
   first page a logged-in user receives, and to the overview with data — once into an empty
   warehouse (the server listens at once and loads the sample meanwhile; pages answer
   "loading" until it is in) and once with the sample already loaded (an ordinary restart).
2. Load: a warehouse with the scale-N sample, the server pinned to the given cores with
   taskset, then oha at a fixed rate (open model: with --latency-correction each latency is
   measured from the request's scheduled start, so a slow server cannot slow the load down)
   over a weighted mix of pages and API calls. First the latency of each URL's first request
   (nothing cached yet) is recorded.

Prints Markdown for BENCHMARKS.md and writes the raw oha JSON next to it.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import serve_client

BIN, SAMPLE, SCALE, CORES, RATE, DURATION, OUT = sys.argv[1:8]
PORT = 18480

# (weight, path): what a committee member, a board member and a researcher open most.
MIX = [
    (3, "/"),
    (2, "/members"),
    (1, "/members?staff_full=40&physicians=5"),
    (1, "/survey"),
    (1, "/survey?question=Q03&column=Q01"),
    (1, "/specialists"),
    (1, "/hospitals"),
    (1, "/hospitals?pref=13"),
    (1, "/hospitals?pref=13&area=1301"),
    (1, "/renewals"),
    (1, "/metrics/members.composition?by=category,prefecture"),
    (2, "/api/v1/metrics/members.physician_share"),
    (1, "/api/v1/metrics/hospitals.blank_area_count?by=prefecture"),
    (1, "/api/v1/metrics/survey.response_rate?by=profession"),
    (1, "/api/v1/metrics/specialists.per_100k"),
]


def start(warehouse, sample, pin=None):
    cmd = [BIN, "serve", "--addr", f"127.0.0.1:{PORT}", "--sample", sample]
    if pin:
        cmd = ["taskset", "-c", pin] + cmd
    env = dict(os.environ, ONCOMETRICS_WAREHOUSE=warehouse, RUST_LOG="warn")
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return p, t0


def read_password(p):
    for line in p.stdout:
        m = re.search(r"password: (\S+)", line)
        if m:
            return m.group(1)
        if "listening" in line or "待ち受け" in line:
            return None
    raise SystemExit("the server exited before printing its password")


def health():
    """/healthz: "ok" when the data are ready, "loading" (503) while the first-start load runs;
    None while nothing listens."""
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1).read().decode()
    except urllib.error.HTTPError as e:
        return e.read().decode()
    except (urllib.error.URLError, ConnectionError, OSError):
        return None


def wait_listening(deadline=600):
    end = time.time() + deadline
    while time.time() < end:
        if health() is not None:
            return
        time.sleep(0.005)
    raise SystemExit("the server did not start")


def wait_ready(deadline=600):
    end = time.time() + deadline
    while time.time() < end:
        h = health()
        if h == "ok":
            return
        if h == "failed":
            raise SystemExit("the server's first-start load failed")
        time.sleep(0.01)
    raise SystemExit("the server's data did not become ready")


def first_page(op):
    """Opens `/`: True for the overview with data, False for the "loading" notice."""
    try:
        body = op.open(f"http://127.0.0.1:{PORT}/").read().decode()
    except urllib.error.HTTPError as e:
        if e.code == 503:
            return False
        raise
    if "概要" not in body:
        raise SystemExit("the first page is not the overview")
    return True


def stop(p):
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()


def reset_admin(warehouse):
    env = dict(os.environ, ONCOMETRICS_WAREHOUSE=warehouse)
    out = subprocess.run([BIN, "user", "reset", "admin"], env=env, capture_output=True, text=True, check=True).stdout
    return re.search(r"password: (\S+)", out).group(1)


def timed_start(wh, password=None):
    """Starts the server, logs in and opens `/` until it shows the data: (seconds to
    listening, to the first page a logged-in user receives, to the overview with data)."""
    p, t0 = start(wh, SAMPLE)
    if password is None:
        password = read_password(p)
    wait_listening()
    t_listen = time.perf_counter() - t0
    # Signing in includes changing the generated password, as at a user's first login.
    op, _ = serve_client.login(f"http://127.0.0.1:{PORT}", "admin", password)
    shown = first_page(op)
    t_page = time.perf_counter() - t0
    while not shown:
        time.sleep(0.02)
        shown = first_page(op)
    t_data = time.perf_counter() - t0
    stop(p)
    return t_listen, t_page, t_data


def cold_start(work):
    wh = os.path.join(work, "cold", "warehouse.duckdb")
    first = timed_start(wh)
    restart = timed_start(wh, reset_admin(wh))
    return [
        ("empty warehouse (loads the bundled sample first)", *first),
        ("sample already loaded (restart)", *restart),
    ]


def load(work):
    sample = os.path.join(work, f"sample-{SCALE}")
    subprocess.run([BIN, "sample", "--out", sample, "--scale", SCALE], check=True, capture_output=True)
    wh = os.path.join(work, f"scale{SCALE}", "warehouse.duckdb")
    p, t0 = start(wh, sample, pin=CORES)
    pw = read_password(p)
    wait_ready()
    t_ready = time.perf_counter() - t0
    op, _ = serve_client.login(f"http://127.0.0.1:{PORT}", "admin", pw)
    session = serve_client.cookie(op)
    base = f"http://127.0.0.1:{PORT}"
    first = []
    for _, path in MIX:
        t = time.perf_counter()
        op.open(base + path).read()
        first.append((path, time.perf_counter() - t))
    urls = os.path.join(work, "urls.txt")
    with open(urls, "w") as f:
        for w, path in MIX:
            f.write((base + path + "\n") * w)
    raw = os.path.join(OUT, f"oha-scale{SCALE}-{RATE}rps.json")
    subprocess.run(
        ["oha", "--urls-from-file", urls, "-z", DURATION, "-q", RATE, "--latency-correction", "-c", "64",
         "-w", "--no-tui", "--output-format", "json", "-o", raw, "-H", f"Cookie: om_session={session}"],
        check=True,
    )
    with open(raw) as f:
        result = json.load(f)
    stop(p)
    return t_ready, first, result


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        cold = cold_start(work)
        t_ready, first, r = load(work)
    print("### Cold start (bundled sample, release build)\n")
    print("| start | listening s | first page (logged in) s | overview with data s |")
    print("|---|---:|---:|---:|")
    for what, listen, page, data in cold:
        print(f"| {what} | {listen:.2f} | {page:.2f} | {data:.2f} |")
    print(f"\n### Load: scale {SCALE}, server pinned to cores {CORES}, {RATE} req/s for {DURATION}\n")
    print(f"Server start into an empty warehouse with the scale-{SCALE} sample, to the data ready: {t_ready:.1f} s.\n")
    print("First request of each URL (nothing cached):\n")
    print("| path | ms |")
    print("|---|---:|")
    for path, s in first:
        print(f"| `{path}` | {s * 1000:.0f} |")
    s = r.get("summary", {})
    pct = r.get("latencyPercentiles", {})
    codes = r.get("statusCodeDistribution", {})
    errors = r.get("errorDistribution", {})
    total = sum(codes.values()) + sum(errors.values())
    bad = sum(v for k, v in codes.items() if not k.startswith("2")) + sum(errors.values())
    print("\nUnder load (oha, open model with latency correction):\n")
    print("| requests | achieved req/s | success | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def ms(k):
        v = pct.get(k)
        return "" if v is None else f"{v * 1000:.1f}"

    print(
        f"| {total} | {s.get('requestsPerSec', 0):.0f} | {s.get('successRate', 0) * 100:.2f}% | {bad} "
        f"| {ms('p50')} | {ms('p90')} | {ms('p99')} | {ms('p99.9')} | {s.get('slowest', 0) * 1000:.1f} |"
    )
    if errors:
        print(f"\nErrors: {json.dumps(errors, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
