//! `oncometrics serve` attacked by a logged-in researcher over real HTTP: console queries
//! that allocate without bound end a worker process, never the server (issue [hardening]).

use std::time::{Duration, Instant};

use crate::http::{Http, alive, start};
use crate::support::{run, text};

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
    http.first_login("mallory", &generated, "mallory's own password");
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
