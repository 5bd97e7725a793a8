//! Login throttling that an attacker can neither outrun nor turn against the real user.
//!
//! - **Counted before the check.** [`Throttle::begin`] counts an attempt as failed, under
//!   one lock, before the password is verified; a success takes it back. Parallel guesses
//!   therefore each see the ones before them: no more than the limit are ever verified.
//! - **Locks what the attacker holds.** Failures lock the pair (name, address) and, across
//!   names, the address. An attacker locks out their own address, not the account.
//! - **A cap per name, except for known devices.** Failures for one name from many
//!   addresses (a distributed guess) lock that name after `per_name` — but only for
//!   browsers that have not logged in as that user before: a browser that has holds a
//!   device cookie ([`crate::pages::login::DEVICE_COOKIE`], OWASP's "device cookies") and is let
//!   through to the pair limit. So the real admin, on their own browser, is never locked
//!   out by someone else's failures.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits on failed logins within `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures for one name from one address.
    pub per_user: usize,
    /// Failures from one address, whatever the names.
    pub per_address: usize,
    /// Failures for one name from anywhere, before the name is locked for unknown devices.
    pub per_name: usize,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_user: 5, per_address: 20, per_name: 50, window: Duration::from_secs(15 * 60) }
    }
}

/// Why an attempt may not go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// This name from this address, or this address.
    Here,
    /// This name, from a device that has not logged in as it before.
    Name,
}

/// Failed attempts, by key.
#[derive(Debug, Default)]
pub struct Throttle {
    limits: Limits,
    failures: Mutex<HashMap<Key, Vec<Instant>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(String, String),
    Address(String),
    Name(String),
}

/// An attempt counted as failed until [`Throttle::succeeded`] takes it back.
#[derive(Debug)]
#[must_use]
pub struct Attempt {
    name: String,
    address: String,
    at: Instant,
}

/// Names are compared without case and bounded (a 2 MB name is one long key, not many).
fn norm(name: &str) -> String {
    name.chars().take(128).collect::<String>().to_lowercase()
}

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Throttle { limits, failures: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt for `name` from `address` if the limits allow it. `trusted`: the
    /// browser holds a device cookie of this name.
    pub fn begin(&self, name: &str, address: &str, trusted: bool) -> Result<Attempt, Locked> {
        let now = Instant::now();
        let mut map = self.failures.lock().map_err(|_| Locked::Here)?;
        let w = self.limits.window;
        map.retain(|_, v| {
            v.retain(|t| now.duration_since(*t) < w);
            !v.is_empty()
        });
        let name = norm(name);
        let keys =
            [Key::Pair(name.clone(), address.to_string()), Key::Address(address.to_string()), Key::Name(name.clone())];
        let count = |k: &Key| map.get(k).map_or(0, Vec::len);
        if count(&keys[0]) >= self.limits.per_user || count(&keys[1]) >= self.limits.per_address {
            return Err(Locked::Here);
        }
        if !trusted && count(&keys[2]) >= self.limits.per_name {
            return Err(Locked::Name);
        }
        for k in keys {
            map.entry(k).or_default().push(now);
        }
        Ok(Attempt { name, address: address.to_string(), at: now })
    }

    /// The attempt succeeded: it is taken back, and the pair's earlier failures forgiven
    /// (not the address's, nor the name's from elsewhere).
    pub fn succeeded(&self, attempt: Attempt) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&Key::Pair(attempt.name.clone(), attempt.address.clone()));
            for k in [Key::Address(attempt.address), Key::Name(attempt.name)] {
                if let Some(v) = map.get_mut(&k)
                    && let Some(i) = v.iter().position(|t| *t == attempt.at)
                {
                    v.remove(i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(window_ms: u64) -> Limits {
        Limits { per_user: 3, per_address: 5, per_name: 4, window: Duration::from_millis(window_ms) }
    }

    #[test]
    fn locks_a_pair_after_the_limit_and_an_address_after_its_own() {
        let t = Throttle::new(limits(150));
        for _ in 0..3 {
            let _failed = t.begin("alice", "10.0.0.1", false).expect("allowed");
        }
        assert_eq!(t.begin("alice", "10.0.0.1", false).err(), Some(Locked::Here));
        assert_eq!(t.begin("ALICE", "10.0.0.1", true).err(), Some(Locked::Here), "case-blind, device or not");
        assert!(t.begin("alice", "10.0.0.2", false).is_ok(), "the account is not locked from elsewhere");
        let _ = t.begin("bob", "10.0.0.1", false).expect("another name");
        let _ = t.begin("carol", "10.0.0.1", false).expect("another name");
        assert_eq!(t.begin("dave", "10.0.0.1", false).err(), Some(Locked::Here), "the address is locked");
        std::thread::sleep(Duration::from_millis(200));
        assert!(t.begin("alice", "10.0.0.1", false).is_ok(), "the window has passed");
    }

    #[test]
    fn attempts_are_counted_before_they_are_checked() {
        // Twenty parallel guesses for one pair: only the limit's worth may go ahead.
        let t = std::sync::Arc::new(Throttle::new(Limits { per_address: 100, ..limits(60_000) }));
        let allowed: usize = std::thread::scope(|s| {
            let handles: Vec<_> =
                (0..20).map(|_| s.spawn(|| t.begin("admin", "10.0.0.9", false).map(|_| 1).unwrap_or(0))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
        });
        assert_eq!(allowed, 3);
    }

    #[test]
    fn a_distributed_guess_locks_the_name_for_unknown_devices_only() {
        let t = Throttle::new(limits(60_000));
        for i in 0..4 {
            let _failed = t.begin("admin", &format!("10.0.1.{i}"), false).expect("allowed");
        }
        assert_eq!(t.begin("admin", "10.0.2.1", false).err(), Some(Locked::Name));
        let ok = t.begin("admin", "192.0.2.7", true).expect("the admin's own browser gets through");
        t.succeeded(ok);
        assert!(t.begin("admin", "192.0.2.7", true).is_ok());
    }

    #[test]
    fn a_success_takes_its_attempt_back() {
        let t = Throttle::new(Limits { per_address: 100, per_name: 100, ..limits(60_000) });
        for _ in 0..2 {
            let _failed = t.begin("alice", "10.0.0.1", false).expect("allowed");
        }
        let a = t.begin("alice", "10.0.0.1", false).expect("third");
        t.succeeded(a);
        for _ in 0..3 {
            let _failed = t.begin("alice", "10.0.0.1", false).expect("the pair was forgiven");
        }
    }
}
