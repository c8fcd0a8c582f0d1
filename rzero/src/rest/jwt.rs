//! JWT authentication for route groups (`@server(jwt: Auth)` in a `.api` file).
//!
//! The token comes from `Authorization: Bearer <token>`. It must be HMAC-signed (HS256, HS384
//! or HS512) with the current secret or, during a rotation, the previous one; `alg: none` and
//! every other algorithm are refused, `exp` is required and `exp`/`nbf` are checked without
//! leeway. The claims reach handlers through the [`Claims`] and [`JwtClaims`] extractors.

use super::middleware::Request;
use super::response::Error;
use crate::conf::{ConfError, deserialize_duration};
use axum::extract::FromRequestParts;
use http::request::Parts;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The shortest secret accepted; go-zero refuses shorter ones too.
pub const MIN_SECRET_LEN: usize = 8;

/// The config block a `jwt: Auth` group names (generated configs call it `auth`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtConf {
    pub access_secret: String,
    /// How long issued tokens are valid.
    #[serde(deserialize_with = "deserialize_duration")]
    pub access_expire: Duration,
    /// The secret before the last rotation, still accepted (`jwtTransition` in `.api`).
    pub prev_secret: String,
}

impl Default for JwtConf {
    fn default() -> Self {
        Self {
            access_secret: String::new(),
            access_expire: Duration::from_secs(24 * 3600),
            prev_secret: String::new(),
        }
    }
}

/// Why a token was refused; the text is what the 401 body says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("missing token: expected an `Authorization: Bearer <token>` header")]
    Missing,
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("token signed with an algorithm that is not allowed")]
    Algorithm,
    #[error("invalid token signature")]
    Signature,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("cannot sign the token: {0}")]
    Sign(String),
}

/// Verifies tokens for one route group. Cheap to clone.
#[derive(Clone)]
pub struct JwtAuth {
    keys: Arc<Keys>,
}

struct Keys {
    current: DecodingKey,
    previous: Option<DecodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuth")
            .field("rotating", &self.keys.previous.is_some())
            .finish_non_exhaustive()
    }
}

fn check_secret(key: &str, secret: &str) -> Result<(), ConfError> {
    if secret.chars().count() < MIN_SECRET_LEN {
        return Err(ConfError::rule(
            key,
            format!("a JWT secret must be at least {MIN_SECRET_LEN} characters"),
        ));
    }
    Ok(())
}

impl JwtAuth {
    /// `previous` is the secret being rotated out, if any.
    pub fn new(secret: &str, previous: Option<&str>) -> Result<Self, ConfError> {
        check_secret("access_secret", secret)?;
        let previous = previous.filter(|p| !p.is_empty());
        if let Some(previous) = previous {
            check_secret("prev_secret", previous)?;
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp"]);
        Ok(Self {
            keys: Arc::new(Keys {
                current: DecodingKey::from_secret(secret.as_bytes()),
                previous: previous.map(|p| DecodingKey::from_secret(p.as_bytes())),
                validation,
            }),
        })
    }

    pub fn from_conf(conf: &JwtConf) -> Result<Self, ConfError> {
        Self::new(&conf.access_secret, Some(&conf.prev_secret))
    }

    /// Checks `token` and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, JwtError> {
        let keys = &self.keys;
        let decoded = match jsonwebtoken::decode::<Map<String, Value>>(
            token,
            &keys.current,
            &keys.validation,
        ) {
            Err(err) if *err.kind() == ErrorKind::InvalidSignature && keys.previous.is_some() => {
                keys.previous
                    .as_ref()
                    .map(|previous| jsonwebtoken::decode(token, previous, &keys.validation))
                    .unwrap_or(Err(err))
            }
            other => other,
        };
        decoded
            .map(|data| Claims(Arc::new(data.claims)))
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => JwtError::Expired,
                ErrorKind::ImmatureSignature => JwtError::NotYetValid,
                ErrorKind::InvalidSignature => JwtError::Signature,
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                    JwtError::Algorithm
                }
                ErrorKind::MissingRequiredClaim(claim) => {
                    JwtError::Invalid(format!("the `{claim}` claim is required"))
                }
                _ => JwtError::Invalid("not a valid JWT".to_owned()),
            })
    }

    pub(crate) fn authorize(&self, request: &Request) -> Result<Claims, JwtError> {
        let header = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(JwtError::Missing)?;
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(JwtError::Missing),
        };
        if token.is_empty() {
            return Err(JwtError::Missing);
        }
        self.verify(token)
    }
}

/// An issued token, as login responses carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub access_token: String,
    /// Expiry as Unix seconds.
    pub access_expire: i64,
}

/// Signs `claims` (a struct or map serializing to a JSON object) with HS256, adding `iat` and
/// `exp` (`now + ttl`). A secret shorter than [`MIN_SECRET_LEN`] is refused here too: no
/// server would accept what it signs.
pub fn issue(secret: &str, ttl: Duration, claims: &impl Serialize) -> Result<Token, JwtError> {
    if secret.chars().count() < MIN_SECRET_LEN {
        return Err(JwtError::Sign(format!(
            "a JWT secret must be at least {MIN_SECRET_LEN} characters"
        )));
    }
    let mut map = match serde_json::to_value(claims) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(JwtError::Sign(
                "claims must serialize to a JSON object".into(),
            ));
        }
        Err(err) => return Err(JwtError::Sign(err.to_string())),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let exp = i64::try_from(now.saturating_add(ttl.as_secs())).unwrap_or(i64::MAX);
    map.insert("iat".into(), Value::from(now));
    map.insert("exp".into(), Value::from(exp));
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &map,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| JwtError::Sign(e.to_string()))?;
    Ok(Token {
        access_token: token,
        access_expire: exp,
    })
}

/// The verified claims of the request's token. Extracting it on a route without JWT is a 401.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims(Arc<Map<String, Value>>);

impl Claims {
    /// One claim, converted to `T`; `None` when it is absent or of another type.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.0
            .get(key)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Claims {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Claims>()
            .cloned()
            .ok_or_else(|| Error::unauthorized("this route requires a token"))
    }
}

/// The claims as a typed struct, e.g. `JwtClaims<Session>` with `struct Session { uid: i64 }`.
#[derive(Debug, Clone, PartialEq)]
pub struct JwtClaims<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for JwtClaims<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let claims = Claims::from_request_parts(parts, state).await?;
        serde_json::from_value(Value::Object((*claims.0).clone()))
            .map(JwtClaims)
            .map_err(|e| Error::unauthorized(format!("token claims do not fit: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef";

    #[test]
    fn short_secrets_are_refused() {
        let err = JwtAuth::new("short", None).unwrap_err().to_string();
        assert!(err.contains("access_secret"), "{err}");
        assert!(err.contains("at least 8"), "{err}");
        assert!(JwtAuth::new(SECRET, Some("tiny")).is_err());
        assert!(JwtAuth::new(SECRET, Some("")).is_ok());
        let err = issue("short", Duration::from_secs(60), &serde_json::json!({})).unwrap_err();
        assert!(err.to_string().contains("at least 8"), "{err}");
    }

    #[test]
    fn issued_tokens_verify_and_carry_claims() {
        let token = issue(
            SECRET,
            Duration::from_secs(60),
            &serde_json::json!({"uid": 42}),
        )
        .unwrap();
        let claims = JwtAuth::new(SECRET, None)
            .unwrap()
            .verify(&token.access_token)
            .unwrap();
        assert_eq!(claims.get::<i64>("uid"), Some(42));
        assert!(claims.get::<i64>("exp").is_some());
    }

    #[test]
    fn the_previous_secret_is_accepted_during_rotation() {
        let old = issue(
            "old-secret-123",
            Duration::from_secs(60),
            &serde_json::json!({}),
        )
        .unwrap();
        let rotating = JwtAuth::new(SECRET, Some("old-secret-123")).unwrap();
        assert!(rotating.verify(&old.access_token).is_ok());
        let rotated = JwtAuth::new(SECRET, None).unwrap();
        assert_eq!(rotated.verify(&old.access_token), Err(JwtError::Signature));
    }
}
