//! The listening loop: hyper's HTTP/1 connections with the limits a public server needs.
//!
//! - **Connections are capped**, in all and per client address: past either, a new
//!   connection is closed at once, so 1,500 half-open requests cannot hold the server.
//! - **Headers must arrive within `header`** (hyper's header-read timeout): a client that
//!   dribbles its request line is cut off.
//! - **The socket times out** when a read or a write waits longer than `io`: an idle
//!   keep-alive connection, a stalled body and a client that never reads its response all
//!   end.
//! - **A request must complete within `request`** ([`crate::security::request_deadline`]),
//!   body reading included, and bodies are bounded per route ([`axum::extract::DefaultBodyLimit`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_io_timeout::TimeoutStream;
use tower::ServiceExt;

use crate::error::{Error, Result};

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Open connections in all.
    pub max: usize,
    /// Open connections from one address.
    pub per_address: usize,
    /// Time to send a request's headers.
    pub header: Duration,
    /// Longest wait for a socket read or write (also the keep-alive idle time).
    pub io: Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits { max: 512, per_address: 64, header: Duration::from_secs(10), io: Duration::from_secs(30) }
    }
}

/// Open connections per address, and in all.
#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// A connection's place among the open ones, given back when dropped.
struct Slot {
    open: Arc<Mutex<Open>>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut o) = self.open.lock() {
            o.total = o.total.saturating_sub(1);
            if let Some(n) = o.by_address.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    o.by_address.remove(&self.ip);
                }
            }
        }
    }
}

fn admit(open: &Arc<Mutex<Open>>, ip: IpAddr, limits: &ConnLimits) -> Option<Slot> {
    let mut o = open.lock().ok()?;
    let here = o.by_address.get(&ip).copied().unwrap_or(0);
    if o.total >= limits.max || here >= limits.per_address {
        return None;
    }
    o.total += 1;
    o.by_address.insert(ip, here + 1);
    Some(Slot { open: open.clone(), ip })
}

/// Accepts connections on `listener` and serves `app` on each until `shutdown` completes;
/// then lets open requests finish (at most `io`).
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let open = Arc::new(Mutex::new(Open::default()));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header).max_buf_size(64 * 1024);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = admit(&open, peer.ip(), &limits) else {
            tracing::debug!("connection from {peer} refused: too many open");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mut timed = TimeoutStream::new(stream);
        timed.set_read_timeout(Some(limits.io));
        timed.set_write_timeout(Some(limits.io));
        let io = TokioIo::new(Box::pin(timed));
        let svc = app.clone().map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            req
        });
        let conn = graceful.watch(http.serve_connection(io, TowerToHyperService::new(svc)));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection {peer}: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.io) => tracing::warn!("connections still open at shutdown were closed"),
    }
    Ok(())
}

/// Binds `addr` and reports the bound address.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| Error::BadRequest(format!("{addr} で待ち受けできません / cannot listen on {addr}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_capped_in_all_and_per_address() {
        let open = Arc::new(Mutex::new(Open::default()));
        let limits = ConnLimits { max: 3, per_address: 2, ..ConnLimits::default() };
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let s1 = admit(&open, a, &limits).expect("first");
        let _s2 = admit(&open, a, &limits).expect("second");
        assert!(admit(&open, a, &limits).is_none(), "per address");
        let _s3 = admit(&open, b, &limits).expect("another address");
        assert!(admit(&open, b, &limits).is_none(), "in all");
        drop(s1);
        assert!(admit(&open, b, &limits).is_some(), "a closed connection frees its slot");
    }
}
