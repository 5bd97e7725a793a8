//! A Ballista cluster of this program on this machine for `bench metrics --engine cluster`: a
//! scheduler and N executors as child processes on free loopback ports, their peak memory
//! read before they are stopped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use queries::cluster::SchedulerAddr;

/// The processes, stopped when dropped.
#[derive(Debug)]
pub struct LocalCluster {
    pub addr: SchedulerAddr,
    /// (name, process), the scheduler first.
    children: Vec<(String, Child)>,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Two consecutive free ports (an executor's data port and its control port).
fn free_port_pair() -> Result<u16> {
    for _ in 0..100 {
        let p = free_port()?;
        if p < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return Ok(p);
        }
    }
    bail!("no two free consecutive ports on 127.0.0.1")
}

fn wait_for(port: u16, what: &str, child: &mut Child) -> Result<()> {
    let until = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait()? {
            bail!("{what} exited ({status}) before it listened on {port}");
        }
        if Instant::now() > until {
            bail!("{what} did not listen on {port} within a minute");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

impl LocalCluster {
    /// Starts a scheduler and `executors` executors (each `tasks` tasks at once, shuffle files
    /// under `work`, the lake mode's memory limit shared between them), and waits until they
    /// listen.
    pub fn start(executors: usize, tasks: usize, work: &Path) -> Result<Self> {
        let exe = std::env::current_exe().context("this program's path")?;
        let port = free_port()?;
        let addr = SchedulerAddr::parse(&format!("df://127.0.0.1:{port}"))?;
        std::fs::create_dir_all(work)?;
        let spawn = |args: &[String], log: &str| -> Result<Child> {
            let log = std::fs::File::create(work.join(log))?;
            Ok(Command::new(&exe).args(args).stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log).spawn()?)
        };
        let mut scheduler = spawn(
            &["cluster".into(), "scheduler".into(), "--bind".into(), format!("127.0.0.1:{port}")],
            "scheduler.log",
        )?;
        wait_for(port, "the scheduler", &mut scheduler)?;
        let mut children = vec![("scheduler".to_string(), scheduler)];
        for i in 0..executors {
            let p = free_port_pair()?;
            let dir = work.join(format!("executor{i}"));
            std::fs::create_dir_all(&dir)?;
            let mut child = spawn(
                &[
                    "cluster".into(),
                    "executor".into(),
                    "--scheduler".into(),
                    addr.to_string(),
                    "--bind".into(),
                    format!("127.0.0.1:{p}"),
                    "--concurrent-tasks".into(),
                    tasks.to_string(),
                    "--work-dir".into(),
                    dir.to_string_lossy().into_owned(),
                    // The lake mode's memory, shared by the executors: the same budget in all.
                    "--memory-mb".into(),
                    ((queries::session::memory_limit() / executors.max(1)) >> 20).to_string(),
                ],
                &format!("executor{i}.log"),
            )?;
            wait_for(p, "an executor", &mut child)?;
            children.push((format!("executor {}", i + 1), child));
        }
        // The executors register with the scheduler after they listen: give them a heartbeat.
        std::thread::sleep(Duration::from_secs(2));
        Ok(LocalCluster { addr, children })
    }

    /// Each process's peak resident memory so far (VmHWM), MB.
    pub fn peak_rss_mb(&self) -> Vec<(String, f64)> {
        self.children
            .iter()
            .filter_map(|(name, c)| peak_rss_mb_of(&c.id().to_string()).map(|mb| (name.clone(), mb)))
            .collect()
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for (_, c) in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The peak resident memory (VmHWM) of process `pid` (`self` for this one), in MB; None where
/// /proc is missing.
pub fn peak_rss_mb_of(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Starts this process's peak-memory count again (Linux: `5` into `/proc/self/clear_refs`), so
/// that a scale's figure is not the high-water mark of an earlier scale or of the load; false
/// where the kernel does not allow it (the figure is then the process's whole life's).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
