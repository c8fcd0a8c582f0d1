//! The business failures of user.rpc, as the proto documents them: a gRPC status with a
//! `google.rpc.ErrorInfo` whose `reason` callers match on (the message is for people).

use std::collections::HashMap;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The `domain` of every ErrorInfo this service sends.
pub const DOMAIN: &str = "user.rpc";

/// What went wrong, for the caller to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    MobileTaken,
    NameTaken,
    NoSuchUser,
    BadCredentials,
    InvalidField,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MobileTaken => "MOBILE_TAKEN",
            Reason::NameTaken => "NAME_TAKEN",
            Reason::NoSuchUser => "NO_SUCH_USER",
            Reason::BadCredentials => "BAD_CREDENTIALS",
            Reason::InvalidField => "INVALID_FIELD",
        }
    }

    fn code(self) -> Code {
        match self {
            Reason::MobileTaken | Reason::NameTaken => Code::AlreadyExists,
            Reason::NoSuchUser => Code::NotFound,
            Reason::BadCredentials => Code::Unauthenticated,
            Reason::InvalidField => Code::InvalidArgument,
        }
    }

    /// The reason a status from user.rpc carries, if any.
    pub fn of(status: &Status) -> Option<Reason> {
        let info = status.get_details_error_info()?;
        if info.domain != DOMAIN {
            return None;
        }
        [
            Reason::MobileTaken,
            Reason::NameTaken,
            Reason::NoSuchUser,
            Reason::BadCredentials,
            Reason::InvalidField,
        ]
        .into_iter()
        .find(|r| r.as_str() == info.reason)
    }

    pub fn status(self, message: impl Into<String>) -> Status {
        self.status_with(message, HashMap::new())
    }

    fn status_with(self, message: impl Into<String>, metadata: HashMap<String, String>) -> Status {
        Status::with_error_details(
            self.code(),
            message,
            ErrorDetails::with_error_info(self.as_str(), DOMAIN, metadata),
        )
    }
}

/// INVALID_FIELD naming the request field and what was expected of it.
pub fn invalid(field: &str, expected: &str) -> Status {
    Reason::InvalidField.status_with(
        format!("{field}: {expected}"),
        HashMap::from([("field".to_owned(), field.to_owned())]),
    )
}

/// The field an INVALID_FIELD status names.
pub fn invalid_field(status: &Status) -> Option<String> {
    status
        .get_details_error_info()
        .and_then(|info| info.metadata.get("field").cloned())
}

/// A failure of the database or cache: logged here with its cause, and answered as
/// UNAVAILABLE (worth retrying) without internals.
pub fn storage(err: impl std::fmt::Display) -> Status {
    tracing::error!(%err, "storage failed");
    Status::unavailable("the user store is unavailable, try again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_survive_the_wire() {
        for reason in [
            Reason::MobileTaken,
            Reason::NoSuchUser,
            Reason::BadCredentials,
        ] {
            let status = reason.status("x");
            let sent = status.into_http::<()>();
            let received =
                Status::from_header_map(sent.headers()).unwrap_or_else(|| Status::unknown(""));
            assert_eq!(Reason::of(&received), Some(reason));
        }
        let status = invalid("mobile", "digits");
        assert_eq!(Reason::of(&status), Some(Reason::InvalidField));
        assert_eq!(invalid_field(&status).as_deref(), Some("mobile"));
        assert_eq!(status.message(), "mobile: digits");
        assert_eq!(Reason::of(&Status::internal("boom")), None);
    }
}
