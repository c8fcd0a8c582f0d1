//! App/token authentication (go-zero's `Auth` with `StrictControl`): every call names its
//! app and token in metadata; an unknown app or a wrong token is `UNAUTHENTICATED`.

use crate::rpc::conf::AuthConf;
use std::collections::BTreeMap;
use tonic::Status;

#[derive(Debug, Clone)]
pub(crate) struct Auth {
    apps: BTreeMap<String, String>,
}

impl Auth {
    pub(crate) fn from_conf(conf: &AuthConf) -> Option<Self> {
        conf.enabled.then(|| Self {
            apps: conf.apps.clone(),
        })
    }

    pub(crate) fn check(&self, headers: &http::HeaderMap) -> Result<(), Status> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(app), Some(token)) = (get("app"), get("token")) else {
            return Err(Status::unauthenticated("missing app or token metadata"));
        };
        match self.apps.get(app) {
            Some(expected) if constant_time_eq(expected.as_bytes(), token.as_bytes()) => Ok(()),
            _ => Err(Status::unauthenticated("unknown app or wrong token")),
        }
    }
}

/// Compares without returning early, so the time taken does not tell how much of a guessed
/// token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, http::HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn only_known_pairs_pass() {
        let auth = Auth::from_conf(&AuthConf {
            enabled: true,
            apps: BTreeMap::from([("web".to_owned(), "s3cret".to_owned())]),
        })
        .unwrap();
        assert!(
            auth.check(&headers(&[("app", "web"), ("token", "s3cret")]))
                .is_ok()
        );
        for bad in [
            &[("app", "web"), ("token", "s3cre")][..],
            &[("app", "cli"), ("token", "s3cret")],
            &[("token", "s3cret")],
        ] {
            let err = auth.check(&headers(bad)).unwrap_err();
            assert_eq!(err.code(), tonic::Code::Unauthenticated);
        }
        assert!(Auth::from_conf(&AuthConf::default()).is_none());
    }
}
