//! `oncometrics cluster`: a scheduler and two executors of this binary on loopback ports, a
//! metric and the board pack sent to them with `--engine df://HOST:PORT`, compared with the
//! in-memory engine; then an executor killed while the pack's queries run — the pack is either
//! the same bytes (its tasks ran on the other executor) or refused with a clear message,
//! never a different number; then the last executor killed — a metric is given up at the
//! deadline with a clear message, not waited for.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{BIN, repo, run, text};

/// A child process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("addr").port()
}

/// Two consecutive free ports (an executor's data port and the control port after it).
fn free_port_pair() -> u16 {
    loop {
        let p = free_port();
        if p < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
}

fn start(dir: &Path, name: &str, args: &[&str]) -> Running {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).expect("log file");
    let child = Command::new(BIN)
        .current_dir(repo())
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start a cluster process");
    Running(child)
}

fn wait_for_port(port: u16, what: &str) {
    let until = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_metric_and_the_board_pack_on_a_two_executor_cluster_match_memory_and_survive_a_killed_executor() {
    let d = tempfile::tempdir().expect("tempdir");
    assert!(run(d.path(), &["demo"]).status.success());
    let sched = free_port();
    let engine = format!("df://127.0.0.1:{sched}");
    let _scheduler = start(d.path(), "scheduler", &["cluster", "scheduler", "--bind", &format!("127.0.0.1:{sched}")]);
    wait_for_port(sched, "the scheduler");
    let mut executors = Vec::new();
    for i in 0..2 {
        let port = free_port_pair();
        let work = d.path().join(format!("executor{i}"));
        std::fs::create_dir_all(&work).expect("work dir");
        executors.push(start(
            d.path(),
            &format!("executor{i}"),
            &[
                "cluster",
                "executor",
                "--scheduler",
                &engine,
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--concurrent-tasks",
                "2",
                "--work-dir",
                &work.to_string_lossy(),
            ],
        ));
        wait_for_port(port, "an executor");
    }

    let metric = ["metric", "members.physician_share", "--by", "prefecture", "--format", "csv"];
    let memory = run(d.path(), &metric);
    assert!(memory.status.success(), "{}", text(&memory));
    let on_cluster = run(d.path(), &[&metric[..], &["--engine", &engine]].concat());
    assert!(on_cluster.status.success(), "{}", text(&on_cluster));
    assert_eq!(String::from_utf8_lossy(&on_cluster.stdout), String::from_utf8_lossy(&memory.stdout));

    let out = |f: &str| d.path().join(f).to_string_lossy().into_owned();
    let o = run(d.path(), &["report", "board", "--out", &out("memory.pdf")]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(d.path(), &["report", "board", "--engine", &engine, "--out", &out("cluster.pdf")]);
    assert!(o.status.success(), "{}", text(&o));
    let want = std::fs::read(out("memory.pdf")).expect("pdf");
    assert!(std::fs::read(out("cluster.pdf")).expect("pdf") == want, "the board pack differs on the cluster");

    // The pack again, and one executor killed while its queries run.
    let mut pack = Command::new(BIN)
        .current_dir(repo())
        .env("ONCOMETRICS_WAREHOUSE", d.path().join("wh.duckdb"))
        .env("ONCOMETRICS_KEY_FILE", d.path().join("keys/k.key"))
        .env_remove("ONCOMETRICS_LAKE")
        // A query the cluster never finishes is given up with a clear message, not waited for.
        .env("ONCOMETRICS_CLUSTER_QUERY_SECONDS", "90")
        .args(["report", "board", "--engine", &engine, "--out", &out("killed.pdf")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pack");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(pack.try_wait().expect("the pack").is_none(), "the pack ended before an executor could be killed");
    let mut killed = executors.remove(0);
    killed.0.kill().expect("kill an executor");
    let _ = killed.0.wait();
    let o = pack.wait_with_output().expect("the pack");
    eprintln!("after an executor was killed: {}\n{}", o.status, text(&o));
    if o.status.success() {
        assert!(std::fs::read(out("killed.pdf")).expect("pdf") == want, "a different pack after an executor died");
    } else {
        let t = text(&o);
        assert!(t.contains(&engine) && !t.contains("panicked"), "not a clear message: {t}");
        assert!(!Path::new(&out("killed.pdf")).exists(), "a pack was written although its queries failed");
    }

    // No executor left: Ballista keeps the query's tasks waiting for one; the client gives up at
    // its deadline. (Opening the snapshot had no deadline and waited for ever.)
    drop(executors);
    let started = Instant::now();
    let lost = Command::new(BIN)
        .current_dir(repo())
        .env("ONCOMETRICS_WAREHOUSE", d.path().join("wh.duckdb"))
        .env("ONCOMETRICS_KEY_FILE", d.path().join("keys/k.key"))
        .env_remove("ONCOMETRICS_LAKE")
        .env("ONCOMETRICS_CLUSTER_QUERY_SECONDS", "5")
        .args([&metric[..], &["--engine", &engine]].concat())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the metric");
    let o = wait_at_most(lost, Duration::from_secs(120));
    let t = text(&o);
    eprintln!("with no executor: {} after {:.1} s\n{t}", o.status, started.elapsed().as_secs_f64());
    assert!(!o.status.success(), "a metric answered without executors: {t}");
    assert!(t.contains(&engine) && t.contains("ONCOMETRICS_CLUSTER_QUERY_SECONDS"), "not a clear message: {t}");
}

/// The child's output, or a failed test if it has not ended after `limit` (it is killed).
fn wait_at_most(mut child: Child, limit: Duration) -> std::process::Output {
    let until = Instant::now() + limit;
    while child.try_wait().expect("the child").is_none() {
        if Instant::now() > until {
            let _ = child.kill();
            let o = child.wait_with_output().expect("the child");
            panic!("still running after {} s (waited for ever?): {}", limit.as_secs(), text(&o));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    child.wait_with_output().expect("the child")
}
