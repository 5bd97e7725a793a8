//! Accounts and sessions: roles, password hashing, the session store, login throttling, and
//! the bounded pool that password work runs on. The login routes are in
//! [`crate::pages::login`]; the request extractors in [`crate::extractor`].
//!
//! - [`password`]: argon2id hashing and random passwords.
//! - [`session`]: the in-memory session store with idle and absolute timeouts.
//! - [`throttle`]: failed-login limits per user name and per address.

pub mod password;
mod role;
pub mod session;
pub mod throttle;

pub use role::Role;

use crate::error::{Error, Result};
use crate::state::AppState;

/// Runs argon2id work (19 MiB and tens of milliseconds by design) on the bounded pool of
/// password slots: with every slot busy, the answer is 503 at once, so a flood of logins
/// can neither exhaust memory nor queue without end.
pub async fn argon2<T: Send + 'static>(state: &AppState, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let _slot = state.verify_slots.clone().try_acquire_owned().map_err(|_| {
        Error::Unavailable("ログインが混み合っています。数秒後にもう一度お試しください / too many logins at once; try again in a few seconds".into())
    })?;
    tokio::task::spawn_blocking(work).await.map_err(|e| Error::Internal(format!("blocking task: {e}")))
}

/// Whether `password` matches `phc` (a missing account is checked against a dummy hash, so
/// that it takes as long), on the password slots.
pub async fn verify_password(state: &AppState, password: String, phc: Option<String>) -> Result<bool> {
    argon2(state, move || {
        let hash: &str = phc.as_deref().unwrap_or_else(|| password::dummy_hash());
        password::verify(&password, hash) && phc.is_some()
    })
    .await
}
