//! Passwords hashed with argon2id (OWASP's first choice) into PHC strings that carry their
//! own salt and parameters, so that stronger parameters later still verify old hashes.
//! Hashing takes tens of milliseconds of CPU on purpose; it runs on tokio's blocking pool so
//! that it never stalls the request tasks sharing a worker thread.

use super::CodecError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// The PHC string (`$argon2id$v=19$...`) of `password` with a fresh random salt.
pub async fn hash(password: &str) -> Result<String, CodecError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| CodecError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| CodecError::Task(e.to_string()))?
}

/// Whether `password` matches the stored PHC string; an error only for an unreadable hash.
pub async fn verify(password: &str, stored: &str) -> Result<bool, CodecError> {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored).map_err(|e| CodecError::Hash(e.to_string()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| CodecError::Task(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse").await.unwrap();
        let b = hash("correct horse").await.unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "a fresh salt per hash");
        assert!(verify("correct horse", &a).await.unwrap());
        assert!(!verify("wrong horse", &a).await.unwrap());
        assert!(verify("", "md5:abc").await.is_err());
    }
}
