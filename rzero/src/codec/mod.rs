//! Protecting what a service stores: sensitive fields encrypted with a keyed lookup digest
//! beside them ([`Sealer`]), and passwords hashed with argon2id ([`password`]).

pub mod password;
mod sealer;

pub use sealer::Sealer;

/// Why a value could not be protected or read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The configured key is not 32 bytes of base64.
    #[error("{key}: expected 32 bytes in base64 (e.g. `openssl rand -base64 32`), {problem}")]
    Key { key: String, problem: String },
    /// A sealed value was not made with this key, or was altered.
    #[error("a sealed value does not open with this key (altered, or sealed with another key)")]
    Open,
    /// A stored password hash is not a PHC string argon2 can read.
    #[error("a stored password hash is unreadable: {0}")]
    Hash(String),
    /// The hashing thread could not finish.
    #[error("password hashing failed: {0}")]
    Task(String),
}
