//! Login throttling: after too many failures for one user name or from one address
//! within a window, further attempts are refused until the window has passed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits on failed logins.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_user: usize,
    pub per_address: usize,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_user: 5, per_address: 20, window: Duration::from_secs(15 * 60) }
    }
}

/// Failed attempts, by key ("u:name" or "a:address").
#[derive(Debug, Default)]
pub struct Throttle {
    limits: Limits,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Throttle { limits, failures: Mutex::new(HashMap::new()) }
    }

    /// Whether an attempt for `user` from `address` may go ahead.
    pub fn allowed(&self, user: &str, address: &str) -> bool {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else { return false };
        let w = self.limits.window;
        map.retain(|_, v| {
            v.retain(|t| now.duration_since(*t) < w);
            !v.is_empty()
        });
        let count = |k: String| map.get(&k).map_or(0, Vec::len);
        count(format!("u:{}", user.to_lowercase())) < self.limits.per_user
            && count(format!("a:{address}")) < self.limits.per_address
    }

    pub fn failed(&self, user: &str, address: &str) {
        let now = Instant::now();
        if let Ok(mut map) = self.failures.lock() {
            map.entry(format!("u:{}", user.to_lowercase())).or_default().push(now);
            map.entry(format!("a:{address}")).or_default().push(now);
        }
    }

    /// A successful login clears the user's failures (not the address's).
    pub fn succeeded(&self, user: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("u:{}", user.to_lowercase()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_a_user_after_the_limit_and_an_address_after_its_own() {
        let t = Throttle::new(Limits { per_user: 3, per_address: 5, window: Duration::from_millis(80) });
        for _ in 0..3 {
            assert!(t.allowed("alice", "10.0.0.1"));
            t.failed("alice", "10.0.0.1");
        }
        assert!(!t.allowed("alice", "10.0.0.2"), "the user is locked from anywhere");
        assert!(!t.allowed("ALICE", "10.0.0.2"), "names are compared without case");
        assert!(t.allowed("bob", "10.0.0.1"));
        t.failed("bob", "10.0.0.1");
        t.failed("carol", "10.0.0.1");
        assert!(!t.allowed("dave", "10.0.0.1"), "the address is locked for every user");
        std::thread::sleep(Duration::from_millis(100));
        assert!(t.allowed("alice", "10.0.0.1"), "the window has passed");
    }
}
