//! The cluster mode: the same lake snapshot with its queries planned by a Ballista scheduler
//! and run by its executor (both started in this process) gives every catalog metric's
//! answer the in-memory engine gives.

use queries::Engine;
use queries::cluster::SchedulerAddr;

use crate::lake::differences;
use crate::support::sample;

#[test]
fn every_metric_on_a_standalone_ballista_cluster_is_the_same_as_in_memory() {
    let memory = {
        let wh = sample().warehouse.lock().expect("warehouse");
        Engine::open(&wh, None).expect("in memory")
    };
    let cluster = Engine::open_standalone(&sample().dir.path().join("lake"), None).expect("standalone cluster");
    let n = memory.snapshot().at_load;
    let failures = differences(&memory, &cluster, n);
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_cluster_address_is_df_host_port() {
    let a = SchedulerAddr::parse("df://127.0.0.1:50050").expect("an address");
    assert_eq!((a.host.as_str(), a.port), ("127.0.0.1", 50050));
    assert_eq!(SchedulerAddr::parse("df://scheduler").expect("no port").port, 50050);
    for bad in ["http://h:1", "df://", "df://h:x", "df://h:0", "df://h:70000", "df://u@h:1"] {
        let e = SchedulerAddr::parse(bad).expect_err(bad).to_string();
        assert!(e.contains("df://HOST:PORT"), "{bad}: {e}");
    }
}

#[test]
fn an_unreachable_scheduler_is_a_clear_error() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("addr").port();
    let addr = SchedulerAddr::parse(&format!("df://127.0.0.1:{port}")).expect("an address");
    let e = Engine::open_cluster(&addr, &sample().dir.path().join("lake"), None).expect_err("nothing listens");
    let e = e.to_string();
    assert!(e.contains(&format!("df://127.0.0.1:{port}")) && e.contains("oncometrics cluster"), "{e}");
}
