//! Pseudonymisation of member ids with a keyed hash (BLAKE3 in keyed mode, a PRF).
//!
//! The 32-byte key is generated on first use and stored in its own file (mode
//! 0600) outside the warehouse; it is never printed. The warehouse records only a
//! fingerprint, so that loading with a different key (which would break the
//! link between snapshots) is refused.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::normalize;

/// A loaded key.
pub struct Pseudonymiser {
    key: [u8; 32],
    path: PathBuf,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pseudonymiser").field("path", &self.path).field("key", &"<redacted>").finish()
    }
}

impl Pseudonymiser {
    /// Loads the key at `path`, creating it if absent.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        let err = |source| Error::Read { path: path.to_path_buf(), source };
        match std::fs::read(path) {
            Ok(bytes) => {
                let hex = String::from_utf8_lossy(&bytes);
                let raw = hex::decode(hex.trim()).ok().filter(|k| k.len() == 32).ok_or_else(|| {
                    Error::file(path, "仮名化キーのファイルが壊れています", "the pseudonymisation key file is corrupt")
                })?;
                let mut key = [0u8; 32];
                key.copy_from_slice(&raw);
                Ok(Pseudonymiser { key, path: path.to_path_buf() })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                getrandom_key(&mut key);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(err)?;
                    set_mode(dir, 0o700);
                }
                let tmp = path.with_extension("tmp");
                let mut f = std::fs::File::create(&tmp).map_err(err)?;
                set_mode(&tmp, 0o600);
                f.write_all(hex::encode(key).as_bytes()).map_err(err)?;
                f.sync_all().map_err(err)?;
                std::fs::rename(&tmp, path).map_err(err)?;
                tracing::info!("created a new pseudonymisation key at {}", path.display());
                Ok(Pseudonymiser { key, path: path.to_path_buf() })
            }
            Err(e) => Err(err(e)),
        }
    }

    /// A non-secret fingerprint of the key, stored in the warehouse.
    pub fn fingerprint(&self) -> String {
        let h = blake3::keyed_hash(&self.key, b"oncometrics key fingerprint v1");
        hex::encode(&h.as_bytes()[..8])
    }

    /// The pseudonym of a member id (NFKC-normalised first, so ０１２３ = 0123).
    pub fn pseudonym(&self, member_id: &str) -> String {
        self.pseudonym_hex(member_id).as_str().to_owned()
    }

    /// [`Self::pseudonym`] without allocating (a roster of a million ids calls it a million times).
    pub fn pseudonym_hex(&self, member_id: &str) -> Hex32 {
        let id = normalize::text(member_id);
        let h = blake3::keyed_hash(&self.key, id.as_bytes());
        let mut out = [0u8; 32];
        // Cannot fail: 16 bytes always fit 32 hex digits.
        let _ = hex::encode_to_slice(&h.as_bytes()[..16], &mut out);
        Hex32(out)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A pseudonym: 32 lowercase hexadecimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hex32([u8; 32]);

impl Hex32 {
    pub fn as_str(&self) -> &str {
        // Hex digits are ASCII, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The 128 bits a pseudonym's hex digits stand for (`None` for anything else), so that
/// pseudonyms can be sorted and joined as numbers.
pub fn bits(pseudonym: &str) -> Option<u128> {
    (pseudonym.len() == 32).then(|| u128::from_str_radix(pseudonym, 16).ok()).flatten()
}

/// The error for a stored key that is not a pseudonym (`what`: the table it came from).
pub(crate) fn not_one(what: &str, key: &str) -> crate::error::Error {
    crate::error::Error::Usage(format!("{what}: member_key '{key}' is not a pseudonym (32 hexadecimal digits)"))
}

/// Fills a key from the OS random source (via std's hasher seeding is not enough;
/// read /dev/urandom, falling back to BLAKE3 over time and process data only if it is missing).
fn getrandom_key(key: &mut [u8; 32]) {
    use std::io::Read;
    if let Ok(mut f) = std::fs::File::open("/dev/urandom")
        && f.read_exact(key).is_ok()
    {
        return;
    }
    let seed = format!("{:?}{}{:?}", std::time::SystemTime::now(), std::process::id(), std::thread::current().id());
    key.copy_from_slice(blake3::hash(seed.as_bytes()).as_bytes());
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_once_reused_and_never_in_debug_output() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys/member.key");
        let a = Pseudonymiser::load_or_create(&path).expect("create");
        let b = Pseudonymiser::load_or_create(&path).expect("load");
        assert_eq!(a.pseudonym("M0001"), b.pseudonym("M0001"));
        assert_eq!(a.pseudonym("Ｍ０００１"), a.pseudonym("M0001"));
        assert_ne!(a.pseudonym("M0001"), a.pseudonym("M0002"));
        assert_eq!(a.fingerprint(), b.fingerprint());
        let key_hex = std::fs::read_to_string(&path).expect("key file");
        assert!(!format!("{a:?}").contains(key_hex.trim()));
        assert!(!a.pseudonym("M0001").contains("M0001"));
        assert_eq!(a.pseudonym("M0001").len(), 32);
        assert_eq!(a.pseudonym_hex("Ｍ０００１").as_str(), a.pseudonym("M0001"));
        assert!(bits(&a.pseudonym("M0001")).is_some());
        assert_eq!((bits("a"), bits(&"g".repeat(32))), (None, None));
    }
}
