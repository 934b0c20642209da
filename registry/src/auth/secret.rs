//! The cryptography of authentication, in one place: argon2 password hashes (PHC strings),
//! bearer tokens and their SHA-256 digests, and a constant-time comparison.
//!
//! Passwords are hashed with argon2id and RustCrypto's default parameters (19 MiB, two passes,
//! one lane: OWASP's minimum), which takes about 10 ms per hash on a 2-core test machine; the
//! parameters are stored in each PHC string, so verification follows whatever the file says.
//! Tokens are 32 random bytes from the operating system; the file keeps only their SHA-256,
//! which is safe for a secret with that much entropy (unlike a password) and cheap to check
//! on every request.
//!
//! Left out: peppering, rehashing old parameters, token expiry (rotate by editing the file).

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// What every token starts with, so secret scanners and people can recognise one.
pub const TOKEN_PREFIX: &str = "stele_";

/// A SHA-256 digest.
pub type Digest256 = [u8; 32];

/// The argon2id PHC string of `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))
}

/// Whether `hash` is a PHC string argon2 can verify against; the error says what is wrong
/// without repeating the string.
pub fn check_password_hash(hash: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(hash).map_err(|e| format!("not a PHC string ({e})"))?;
    let algorithm = parsed.algorithm.as_str();
    if !algorithm.starts_with("argon2") {
        return Err(format!("algorithm `{algorithm}` is not argon2"));
    }
    Ok(())
}

/// Whether `password` matches the PHC string `hash`. Slow on purpose: call it off the async
/// runtime's worker threads.
pub fn verify_password(password: &[u8], hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password, &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A new random bearer token: the prefix and 32 random bytes in URL-safe base64.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("reading random bytes from the system: {e}"))?;
    Ok(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// 32 random bytes, for keys that live only as long as the process.
pub fn random_key() -> anyhow::Result<Digest256> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("reading random bytes from the system: {e}"))?;
    Ok(bytes)
}

/// SHA-256 of `parts`, concatenated.
pub fn sha256(parts: &[&[u8]]) -> Digest256 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Lower-case hex of a digest, as the auth file stores token digests.
pub fn hex(digest: &Digest256) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hex digits.
pub fn parse_hex(text: &str) -> Option<Digest256> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        *slot = u8::try_from(high * 16 + low).ok()?;
    }
    Some(out)
}

/// Compares two digests in time that does not depend on where they differ.
pub fn same_digest(a: &Digest256, b: &Digest256) -> bool {
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // `black_box` keeps the optimiser from turning the fold back into an early exit.
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn passwords_round_trip_through_phc_strings() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(check_password_hash(&hash).is_ok());
        assert!(verify_password(b"correct horse", &hash));
        assert!(!verify_password(b"correct horsf", &hash));
        assert!(check_password_hash("plain text").is_err());
        assert!(!verify_password(b"x", "plain text"));
    }

    #[test]
    fn tokens_are_random_and_prefixed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 43);
    }

    #[test]
    fn digests_survive_hex() {
        let digest = sha256(&[b"stele_", b"abc"]);
        assert_eq!(digest, sha256(&[b"stele_abc"]));
        let text = hex(&digest);
        assert_eq!(text.len(), 64);
        assert_eq!(parse_hex(&text), Some(digest));
        assert_eq!(parse_hex(&text.to_uppercase()), Some(digest));
        assert_eq!(parse_hex("zz"), None);
        assert_eq!(parse_hex(&"g".repeat(64)), None);
        assert!(same_digest(&digest, &digest));
        assert!(!same_digest(&digest, &sha256(&[b"other"])));
    }
}
