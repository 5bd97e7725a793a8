//! Passwords: argon2id hashes in PHC strings, and random passwords for new accounts.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};

/// The shortest password an account may have.
pub const MIN_LENGTH: usize = 12;

/// argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane).
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0_u8; N];
    getrandom::fill(&mut buf).map_err(|e| Error::Internal(format!("random source: {e}")))?;
    Ok(buf)
}

/// Hashes a password with a fresh random salt.
pub fn hash(password: &str) -> Result<String> {
    let salt_bytes: [u8; 16] = random_bytes()?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| Error::Internal(format!("salt: {e}")))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

/// Whether `password` matches the PHC string `phc` (false for a malformed hash).
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so that a wrong name
/// takes as long as a wrong password (no user enumeration by timing).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("not a password of anyone").unwrap_or_default())
}

/// A random password of 20 characters from an alphabet without look-alikes (0/O, 1/l/I).
pub fn generate() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: [u8; 20] = random_bytes()?;
    // 256 is not a multiple of 57; the bias (< 1%) does not matter at 20 characters (~116 bits).
    Ok(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

/// Checks a new password: long enough, not all one character, not the user name.
pub fn check_new(username: &str, password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(Error::BadRequest(format!(
            "パスワードは{MIN_LENGTH}文字以上にしてください / the password needs at least {MIN_LENGTH} characters"
        )));
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) || password.eq_ignore_ascii_case(username) {
        return Err(Error::BadRequest("このパスワードは使えません / this password is not allowed".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_salted_and_verifies_only_the_right_password() {
        let a = hash("correct horse battery").expect("hash");
        let b = hash("correct horse battery").expect("hash");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let a = generate().expect("random");
        let b = generate().expect("random");
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, b);
        assert!(check_new("admin", &a).is_ok());
    }

    #[test]
    fn weak_new_passwords_are_refused() {
        assert!(check_new("admin", "short").is_err());
        assert!(check_new("admin", "aaaaaaaaaaaaaaa").is_err());
        assert!(check_new("administrator", "Administrator").is_err());
        assert!(check_new("admin", "会員委員会のパスワード十分長い").is_ok());
    }
}
