//! Durations in config files: `"3s"`, `"500ms"`, `"1m30s"` (humantime), or a bare integer of
//! milliseconds, which is how go-zero configs write them (`Timeout: 3000`).

use serde::{Deserialize, Deserializer, Serializer, de};
use std::time::Duration;

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Millis(u64),
    Text(String),
}

fn parse(raw: Raw) -> Result<Duration, String> {
    match raw {
        Raw::Millis(ms) => Ok(Duration::from_millis(ms)),
        Raw::Text(text) => humantime::parse_duration(text.trim()).map_err(|e| {
            format!(
                "invalid duration {text:?} ({e}); expected e.g. \"3s\", \"500ms\" or milliseconds"
            )
        }),
    }
}

/// `#[serde(deserialize_with = "rzero::conf::deserialize_duration")]`
pub fn deserialize_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse(Raw::deserialize(d).map_err(|_| {
        de::Error::custom("expected a duration such as \"3s\", \"500ms\" or milliseconds")
    })?)
    .map_err(de::Error::custom)
}

/// Like [`deserialize_duration`] for `Option<Duration>` fields.
pub fn deserialize_opt_duration<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Duration>, D::Error> {
    match Option::<Raw>::deserialize(d).map_err(|_| {
        de::Error::custom("expected a duration such as \"3s\", \"500ms\" or milliseconds")
    })? {
        None => Ok(None),
        Some(raw) => parse(raw).map(Some).map_err(de::Error::custom),
    }
}

/// Writes a duration back in the humantime form the loader reads.
pub fn serialize_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_duration(*d).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(deserialize_with = "deserialize_duration")]
        d: Duration,
    }

    fn d(yaml: &str) -> Result<Duration, String> {
        serde_saphyr::from_str::<T>(yaml)
            .map(|t| t.d)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_text_and_millis() {
        assert_eq!(d("d: 3s"), Ok(Duration::from_secs(3)));
        assert_eq!(d("d: 500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(d("d: 1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(d("d: 3000"), Ok(Duration::from_secs(3)));
    }

    #[test]
    fn rejects_garbage_with_a_hint() {
        let err = d("d: soon").unwrap_err();
        assert!(err.contains("invalid duration \"soon\""), "{err}");
        assert!(err.contains("expected e.g."), "{err}");
    }
}
