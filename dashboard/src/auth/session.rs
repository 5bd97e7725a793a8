//! Sessions: random tokens in an HttpOnly SameSite=Strict cookie, held in memory with
//! idle and absolute timeouts. Each session has its own CSRF token for forms.
//!
//! Only a SHA-256 of the token is kept, so a memory dump does not hand out sessions.
//! A restart logs everyone out, which is acceptable for a committee tool.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::Role;
use super::password::random_bytes;
use crate::error::{Error, Result};

/// The session cookie's name.
pub const COOKIE: &str = "om_session";

/// One logged-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub username: String,
    pub role: Role,
    /// The token every form of this session must post back.
    pub csrf: String,
    /// The account's password was generated: only the password form is open.
    pub must_change: bool,
    created: Instant,
    last_seen: Instant,
}

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Ends a session not used for this long.
    pub idle: Duration,
    /// Ends any session this long after login.
    pub absolute: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { idle: Duration::from_secs(30 * 60), absolute: Duration::from_secs(8 * 60 * 60) }
    }
}

/// The session store.
#[derive(Debug)]
pub struct Sessions {
    timeouts: Timeouts,
    by_hash: Mutex<HashMap<[u8; 32], Session>>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A random token: 32 bytes as hex.
pub fn new_token() -> Result<String> {
    Ok(hex::encode(random_bytes::<32>()?))
}

impl Sessions {
    pub fn new(timeouts: Timeouts) -> Self {
        Sessions { timeouts, by_hash: Mutex::new(HashMap::new()) }
    }

    fn map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>>> {
        self.by_hash.lock().map_err(|_| Error::Internal("session store poisoned".into()))
    }

    /// Starts a session; returns the cookie token.
    pub fn create(&self, username: &str, role: Role, must_change: bool) -> Result<String> {
        let token = new_token()?;
        let now = Instant::now();
        let session = Session {
            username: username.to_string(),
            role,
            csrf: new_token()?,
            must_change,
            created: now,
            last_seen: now,
        };
        let mut map = self.map()?;
        // Sweep expired sessions now and then, so the map cannot grow without bound.
        if (map.len() + 1).is_multiple_of(64) {
            let t = self.timeouts;
            map.retain(|_, s| alive(s, t, now));
        }
        map.insert(digest(&token), session);
        Ok(token)
    }

    /// The live session of `token`, marked as used now; an expired one is removed.
    pub fn touch(&self, token: &str) -> Result<Option<Session>> {
        let now = Instant::now();
        let mut map = self.map()?;
        let key = digest(token);
        match map.get_mut(&key) {
            Some(s) if alive(s, self.timeouts, now) => {
                s.last_seen = now;
                Ok(Some(s.clone()))
            }
            Some(_) => {
                map.remove(&key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// The user of a live session, without marking it used (for the audit of a request).
    pub fn peek(&self, token: &str) -> Option<String> {
        let now = Instant::now();
        let map = self.map().ok()?;
        map.get(&digest(token)).filter(|s| alive(s, self.timeouts, now)).map(|s| s.username.clone())
    }

    pub fn remove(&self, token: &str) -> Result<()> {
        self.map()?.remove(&digest(token));
        Ok(())
    }

    /// Ends every session of a user (after a password change or when disabled).
    pub fn remove_user(&self, username: &str) -> Result<()> {
        self.map()?.retain(|_, s| s.username != username);
        Ok(())
    }
}

fn alive(s: &Session, t: Timeouts, now: Instant) -> bool {
    now.duration_since(s.last_seen) < t.idle && now.duration_since(s.created) < t.absolute
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_timeouts_end_a_session() {
        let s = Sessions::new(Timeouts { idle: Duration::from_millis(40), absolute: Duration::from_millis(150) });
        let t = s.create("a", Role::Board, false).expect("create");
        assert!(s.touch(&t).expect("lock").is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(s.touch(&t).expect("lock").is_none(), "idle");

        let t = s.create("a", Role::Board, false).expect("create");
        for _ in 0..6 {
            std::thread::sleep(Duration::from_millis(30));
            let _ = s.touch(&t).expect("lock");
        }
        assert!(s.touch(&t).expect("lock").is_none(), "absolute, although used all along");
    }

    #[test]
    fn tokens_are_random_and_removal_ends_the_session() {
        let s = Sessions::new(Timeouts::default());
        let a = s.create("a", Role::Admin, false).expect("create");
        let b = s.create("a", Role::Admin, false).expect("create");
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        let csrf_a = s.touch(&a).expect("lock").expect("live").csrf;
        assert_ne!(csrf_a, s.touch(&b).expect("lock").expect("live").csrf);
        s.remove(&a).expect("remove");
        assert!(s.touch(&a).expect("lock").is_none());
        s.remove_user("a").expect("remove");
        assert!(s.touch(&b).expect("lock").is_none());
        assert!(s.touch("forged").expect("lock").is_none());
    }
}
