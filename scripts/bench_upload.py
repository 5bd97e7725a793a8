#!/usr/bin/env python3
"""取り込み at scale: a roster of N members loaded through the browser's path (upload, check,
commit, the server reading the new snapshot) against the same roster loaded with
`oncometrics ingest` on the command line, in the same run. Standard library only.

Usage: scripts/bench_upload.py BINARY ROWS [ROWS ...]

For each size: a fresh warehouse with a first roster of the same size (2025-03-31) loaded by
the command line; then the second roster (2025-09-30: 2% joined, 1% left, 1% changed 職種)
through `oncometrics serve` as a データ管理者, and the same file into a copy of the first
warehouse with `oncometrics ingest`. Prints a Markdown table (seconds) for BENCHMARKS.md.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import serve_client as sc  # noqa: E402

binary, sizes = sys.argv[1], [int(n) for n in sys.argv[2:]]
PREFS = ["東京都", "大阪府", "愛知県", "北海道", "福岡県", "神奈川県", "京都府", "宮城県"]
HEADER = "会員番号,会員種別,職種,入会日,退会日,勤務先都道府県,生年,性別\n"


def roster(path, n, second):
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER)
        for i in range(n + (n // 50 if second else 0)):
            if second and i % 100 == 7:
                continue  # left
            prof = "医師" if i % 5 else "看護師"
            if second and i % 100 == 13:
                prof = "薬剤師"
            joined = "2025-06-01" if i >= n else "2010-04-01"
            f.write(f"M{i:08d},正会員,{prof},{joined},,{PREFS[i % 8]},{1950 + i % 40},{'女性' if i % 2 else '男性'}\n")


def run(env, *args):
    t = time.monotonic()
    out = subprocess.run([binary, *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{args}: {out.stdout}{out.stderr}")
    return time.monotonic() - t, out.stdout


def multipart(token, as_of, name, data):
    b = "oncometricsBench"
    head = "".join(
        f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        for k, v in [("csrf", token), ("dataset", "members"), ("as_of", as_of)]
    )
    head += f"--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\n"
    return f"multipart/form-data; boundary={b}", head.encode() + data + f"\r\n--{b}--\r\n".encode()


def settle(op, url, want):
    while True:
        status, body = sc.fetch(op, url, timeout=600)
        if want in body or "取り込めませんでした" in body or "読み込めません" in body:
            return body
        time.sleep(0.2)


rows = []
for n in sizes:
    d = tempfile.mkdtemp(prefix="bench-upload-")
    env = dict(os.environ, ONCOMETRICS_WAREHOUSE=f"{d}/wh.duckdb", ONCOMETRICS_KEY_FILE=f"{d}/keys/k.key")
    env.pop("ONCOMETRICS_LAKE", None)
    first, second = f"{d}/first.csv", f"{d}/second_{n}.csv"
    roster(first, n, False)
    roster(second, n, True)
    run(env, "ingest", "members", first, "--as-of", "2025-03-31")
    _, added = run(env, "user", "add", "clerk", "--role", "steward")
    generated = added.split("password: ")[1].strip()
    # The command line on a warehouse of its own with the same first roster.
    cli = dict(env, ONCOMETRICS_WAREHOUSE=f"{d}/cli/wh.duckdb", ONCOMETRICS_KEY_FILE=f"{d}/cli/k.key")
    run(cli, "ingest", "members", first, "--as-of", "2025-03-31")
    cli_time, _ = run(cli, "ingest", "members", second, "--as-of", "2025-09-30")

    server = subprocess.Popen(
        [binary, "serve", "--addr", "127.0.0.1:0", "--no-sample"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        base = None
        for line in server.stdout:
            m = re.search(r"http://([0-9.:]+)/", line)
            if m:
                base = "http://" + m.group(1)
                break
        op, _ = sc.login(base, "clerk", generated)
        _, form = sc.fetch(op, base + "/data/upload")
        with open(second, "rb") as f:
            data = f.read()
        ctype, body = multipart(sc.csrf(form), "2025-09-30", os.path.basename(second), data)
        req = urllib.request.Request(base + "/data/upload", data=body, headers={"Content-Type": ctype})
        t0 = time.monotonic()
        resp = op.open(req, timeout=3600)
        page = resp.geturl()
        t_sent = time.monotonic() - t0
        preview = settle(op, page, "名簿の変化")
        t_checked = time.monotonic() - t0
        form = {"csrf": sc.csrf(preview)}
        sc.fetch(op, page + "/commit", urllib.parse.urlencode(form).encode())
        done = settle(op, page, "取り込みました")
        t_done = time.monotonic() - t0
        if "取り込みました" not in done:
            raise SystemExit(f"{n}: not committed: {done[:2000]}")
    finally:
        server.terminate()
        server.wait()
    mb = len(data) / 2**20
    rows.append((n, mb, t_sent, t_checked - t_sent, t_done - t_checked, t_done, cli_time))
    shutil.rmtree(d)

print("| members | file MB | upload s | check s | commit + reload s | 取り込み in all s | `oncometrics ingest` s |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for n, mb, a, b, c, t, cli in rows:
    print(f"| {n:,} | {mb:.1f} | {a:.1f} | {b:.1f} | {c:.1f} | {t:.1f} | {cli:.1f} |")
