//! A tiny HTTP/1.1 client that keeps cookies, and `oncometrics serve` started as a process:
//! what the tests that attack or kill the real server share.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{BIN, repo};

/// A tiny HTTP/1.1 client that keeps cookies (one connection per request).
pub struct Http {
    pub addr: SocketAddr,
    pub cookies: Vec<(String, String)>,
}

pub struct Res {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn csrf(&self) -> String {
        let key = "name=\"csrf\" value=\"";
        let i = self.body.find(key).unwrap_or_else(|| panic!("no csrf field: {}", self.body)) + key.len();
        self.body[i..i + self.body[i..].find('"').expect("quote")].to_string()
    }
}

pub fn enc(s: &str) -> String {
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
    pub fn send(&mut self, method: &str, path: &str, form: &[(&str, &str)]) -> Res {
        let body = form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        self.send_body(method, path, "application/x-www-form-urlencoded", body.as_bytes())
    }

    /// A request with a body of its own type (a multipart upload).
    pub fn send_body(&mut self, method: &str, path: &str, content_type: &str, body: &[u8]) -> Res {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {cookie}\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes()).expect("write");
        s.write_all(body).expect("write");
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

    /// Logs in with a generated password, changes it to `new` as the server demands, and logs
    /// in again.
    pub fn first_login(&mut self, user: &str, generated: &str, new: &str) {
        let first = self.login(user, generated);
        assert_eq!((first.status, first.header("location")), (303, Some("/account/password")));
        let token = self.send("GET", "/account/password", &[]).csrf();
        let changed = self.send("POST", "/account/password", &[("csrf", &token), ("current", generated), ("new", new)]);
        assert_eq!(changed.status, 303, "{}", changed.body);
        assert_eq!(self.login(user, new).header("location"), Some("/"));
    }

    pub fn login(&mut self, user: &str, password: &str) -> Res {
        let form = self.send("GET", "/login", &[]);
        let token = form.csrf();
        self.send("POST", "/login", &[("username", user), ("password", password), ("csrf", &token)])
    }
}

pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start(dir: &std::path::Path) -> (Server, SocketAddr) {
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

pub fn alive(http: &mut Http) {
    let h = http.send("GET", "/healthz", &[]);
    assert_eq!((h.status, h.body.as_str()), (200, "ok"), "the server is up");
}
