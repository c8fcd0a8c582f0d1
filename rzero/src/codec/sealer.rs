use super::CodecError;
use aes_gcm::aead::{Aead, Generate, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE_LEN: usize = 12;

/// Encrypts a sensitive field (a mobile number, an e-mail) for storage, and gives it a keyed
/// digest for lookups and unique keys: the column holds no plain text, yet
/// `WHERE mobile_digest = ?` finds the row.
///
/// One configured 32-byte key yields two independent keys (HMAC-SHA256 of a label), one for
/// AES-256-GCM and one for the digest, so that neither use weakens the other. Each seal draws a
/// fresh random nonce, so equal values seal differently; the digest is what stays equal.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
    digest_key: Vec<u8>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer { .. }")
    }
}

fn derive(key: &[u8], label: &[u8]) -> Vec<u8> {
    // A 32-byte key is always a valid HMAC key, so `new_from_slice` cannot fail here.
    let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!());
    mac.update(label);
    mac.finalize().into_bytes().to_vec()
}

impl Sealer {
    /// A sealer from a base64 key of 32 bytes; `name` is the config key, for the error.
    pub fn from_base64(name: &str, key: &str) -> Result<Self, CodecError> {
        let bad = |problem: String| CodecError::Key {
            key: name.to_owned(),
            problem,
        };
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|e| bad(format!("not base64: {e}")))?;
        if bytes.len() != 32 {
            return Err(bad(format!("got {} bytes", bytes.len())));
        }
        let encryption = derive(&bytes, b"rzero sealer encryption");
        let cipher = Aes256Gcm::new_from_slice(&encryption).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            cipher,
            digest_key: derive(&bytes, b"rzero sealer digest"),
        })
    }

    /// `value` encrypted, as base64 of nonce and ciphertext.
    pub fn seal(&self, value: &str) -> String {
        let nonce = Nonce::generate();
        // Encryption fails only for inputs of more than 64 GiB.
        let sealed = self
            .cipher
            .encrypt(&nonce, value.as_bytes())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        STANDARD.encode(out)
    }

    /// The value [`Sealer::seal`] sealed; an error when the key differs or the text changed.
    pub fn open(&self, sealed: &str) -> Result<String, CodecError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| CodecError::Open)?;
        if bytes.len() < NONCE_LEN {
            return Err(CodecError::Open);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| CodecError::Open)?;
        let plain = self
            .cipher
            .decrypt(&nonce, ciphertext)
            .map_err(|_| CodecError::Open)?;
        String::from_utf8(plain).map_err(|_| CodecError::Open)
    }

    /// A keyed digest of `value` (hex HMAC-SHA256): equal values give equal digests, and
    /// without the key nobody can test a guess against it.
    pub fn digest(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(&self.digest_key)
            .unwrap_or_else(|_| unreachable!());
        mac.update(value.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    const OTHER: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

    #[test]
    fn sealed_values_open_and_hide_the_plain_text() {
        let sealer = Sealer::from_base64("crypto.key", KEY).unwrap();
        let a = sealer.seal("13800138000");
        let b = sealer.seal("13800138000");
        assert_ne!(a, b, "a fresh nonce per seal");
        assert!(!a.contains("13800138000"));
        assert_eq!(sealer.open(&a).unwrap(), "13800138000");
        assert_eq!(sealer.open(&b).unwrap(), "13800138000");
    }

    #[test]
    fn altered_or_foreign_values_do_not_open() {
        let sealer = Sealer::from_base64("k", KEY).unwrap();
        let other = Sealer::from_base64("k", OTHER).unwrap();
        let sealed = sealer.seal("secret");
        assert_eq!(other.open(&sealed), Err(CodecError::Open));
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(sealer.open(&STANDARD.encode(bytes)), Err(CodecError::Open));
        assert_eq!(sealer.open("not base64!"), Err(CodecError::Open));
        assert_eq!(sealer.open(""), Err(CodecError::Open));
    }

    #[test]
    fn digests_are_stable_and_keyed() {
        let sealer = Sealer::from_base64("k", KEY).unwrap();
        let other = Sealer::from_base64("k", OTHER).unwrap();
        assert_eq!(sealer.digest("13800138000"), sealer.digest("13800138000"));
        assert_ne!(sealer.digest("13800138000"), sealer.digest("13800138001"));
        assert_ne!(sealer.digest("13800138000"), other.digest("13800138000"));
        assert_eq!(sealer.digest("x").len(), 64);
    }

    #[test]
    fn bad_keys_name_the_config_key() {
        let err = Sealer::from_base64("user.crypto.key", "c2hvcnQ=").unwrap_err();
        assert_eq!(
            err.to_string(),
            "user.crypto.key: expected 32 bytes in base64 (e.g. `openssl rand -base64 32`), got 5 bytes"
        );
        assert!(Sealer::from_base64("k", "%%%").is_err());
    }
}
