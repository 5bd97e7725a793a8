//! `oncometrics serve` attacked by a logged-in researcher over real HTTP: console queries
//! that allocate without bound end a worker process, never the server (issue [hardening]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{BIN, repo, run, text};

/// A tiny HTTP/1.1 client that keeps cookies (one connection per request).
struct Http {
    addr: SocketAddr,
    cookies: Vec<(String, String)>,
}

struct Res {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Res {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn csrf(&self) -> String {
        let key = "name=\"csrf\" value=\"";
        let i = self.body.find(key).unwrap_or_else(|| panic!("no csrf field: {}", self.body)) + key.len();
        self.body[i..i + self.body[i..].find('"').expect("quote")].to_string()
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
        rest = &rest[(start + size + 2).min(rest.len())..];
    }
    out
}

impl Http {
    fn send(&mut self, method: &str, path: &str, form: &[(&str, &str)]) -> Res {
        let body = form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes()).expect("write");
        s.write_all(body.as_bytes()).expect("write");
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| {
            panic!("no response to {method} {path}: {:?}", String::from_utf8_lossy(&raw));
        });
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
            body = dechunk(&body);
        }
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie")
                && let Some((name, value)) = v.split(';').next().and_then(|p| p.split_once('='))
            {
                self.cookies.retain(|(n, _)| n != name);
                if !value.is_empty() && !v.contains("Max-Age=0") {
                    self.cookies.push((name.to_string(), value.to_string()));
                }
            }
        }
        Res { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
    }

    fn login(&mut self, user: &str, password: &str) -> Res {
        let form = self.send("GET", "/login", &[]);
        let token = form.csrf();
        self.send("POST", "/login", &[("username", user), ("password", password), ("csrf", &token)])
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path) -> (Server, SocketAddr) {
    let mut child = Command::new(BIN)
        .current_dir(repo())
        .env("ONCOMETRICS_WAREHOUSE", dir.join("wh.duckdb"))
        .env("ONCOMETRICS_KEY_FILE", dir.join("keys/k.key"))
        .env_remove("ONCOMETRICS_LAKE")
        .args(["serve", "--addr", "127.0.0.1:0", "--no-sample"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start oncometrics serve");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("the server printed its address").expect("read");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().expect("addr").parse().expect("socket address");
        }
    };
    // Keep draining the server's output so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (server, addr)
}

fn alive(http: &mut Http) {
    let h = http.send("GET", "/healthz", &[]);
    assert_eq!((h.status, h.body.as_str()), (200, "ok"), "the server is up");
}

#[test]
fn console_queries_that_exhaust_memory_end_a_worker_never_the_server() {
    let d = tempfile::tempdir().expect("tempdir");
    let demo = run(d.path(), &["demo"]);
    assert!(demo.status.success(), "{}", text(&demo));
    let added = run(d.path(), &["user", "add", "mallory", "--role", "researcher"]);
    let out = text(&added);
    let generated = out.split("password: ").nth(1).expect("password printed").trim().to_string();
    let (_server, addr) = start(d.path());
    let mut http = Http { addr, cookies: Vec::new() };
    // A generated password opens only the form that changes it.
    let first = http.login("mallory", &generated);
    assert_eq!((first.status, first.header("location")), (303, Some("/account/password")));
    let token = http.send("GET", "/account/password", &[]).csrf();
    let new = "mallory's own password";
    let changed = http.send("POST", "/account/password", &[("csrf", &token), ("current", &generated), ("new", new)]);
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(http.login("mallory", new).header("location"), Some("/"));
    let token = http.send("GET", "/console", &[]).csrf();

    for sql in [
        "SELECT length(repeat(arrow_cast('x','LargeUtf8'), 1000000000000))",
        "SELECT cardinality(array_repeat(1, 100000000000))",
        "SELECT repeat('x', 100000) FROM generate_series(1, 10000)",
        "SELECT length(lpad('x', 2000000000)) FROM generate_series(1, 100)",
    ] {
        let started = Instant::now();
        let res = http.send("POST", "/console", &[("csrf", &token), ("sql", sql)]);
        assert_eq!(res.status, 200, "{sql}: {}", res.body);
        assert!(
            res.body.contains("実行できません") || res.body.contains(" 行 · "),
            "{sql}: an answer or a message: {}",
            res.body
        );
        assert!(started.elapsed() < Duration::from_secs(30), "{sql} took {:?}", started.elapsed());
        alive(&mut http);
    }
    // Still answering console queries, and the answers are right.
    let ok =
        http.send("POST", "/console", &[("csrf", &token), ("sql", "SELECT count(*) AS n FROM prefecture_regions")]);
    assert!(ok.body.contains("<td class=\"num\">47</td>"), "{}", ok.body);

    // Eight endless queries at once: one runs, the rest are told to wait (429), and pages answer.
    let slow = "SELECT count(*) FROM generate_series(1, 10000000000) t(v)";
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let mut h = Http { addr, cookies: http.cookies.clone() };
            let token = token.clone();
            std::thread::spawn(move || h.send("POST", "/console", &[("csrf", &token), ("sql", slow)]).status)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(800));
    let started = Instant::now();
    let page = http.send("GET", "/", &[]);
    assert_eq!(page.status, 200);
    assert!(started.elapsed() < Duration::from_secs(3), "a page took {:?} during the flood", started.elapsed());
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 7, "{statuses:?}");
    alive(&mut http);
}

#[test]
fn audit_verify_finds_a_changed_entry() {
    let d = tempfile::tempdir().expect("tempdir");
    for name in ["alice", "bob", "carol"] {
        let o = run(d.path(), &["user", "add", name, "--role", "board"]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let ok = run(d.path(), &["audit", "verify"]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("3 件"), "{}", text(&ok));
    {
        let conn = duckdb::Connection::open(d.path().join("app.duckdb")).expect("open");
        conn.execute("UPDATE audit_log SET target = 'mallory' WHERE target = 'bob'", []).expect("tamper");
    }
    let bad = run(d.path(), &["audit", "verify"]);
    assert!(!bad.status.success(), "{}", text(&bad));
    assert!(text(&bad).contains("一致しません"), "{}", text(&bad));
}
