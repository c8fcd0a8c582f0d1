//! The business errors of the gateway: answered with HTTP 200 and `{code, msg}`. Clients
//! switch on `code`; `msg` is for people. Malformed input is a 400 instead, naming the field.
//!
//! | code  | meaning |
//! |-------|---------|
//! | 10001 | wrong verification code |
//! | 10002 | the verification code expired, was used, or was never sent |
//! | 10003 | this number asked for too many codes today |
//! | 10004 | the mobile number is registered already |
//! | 10005 | the name is taken |
//! | 10006 | wrong mobile number or password |
//! | 10007 | no account has this mobile number |
//! | 10008 | the account no longer exists |

use rzero::rest::http::StatusCode;
use rzero::rest::{BizError, Error};
use tonic::{Code, Status};
use user::errors::Reason;

pub const CODE_WRONG: BizError = BizError::new(10001, "wrong verification code");
pub const CODE_EXPIRED: BizError = BizError::new(
    10002,
    "the verification code expired, was used, or was never sent",
);
pub const DAILY_LIMIT: BizError =
    BizError::new(10003, "this number asked for too many codes today");
pub const MOBILE_TAKEN: BizError = BizError::new(10004, "the mobile number is registered already");
pub const NAME_TAKEN: BizError = BizError::new(10005, "the name is taken");
pub const BAD_CREDENTIALS: BizError = BizError::new(10006, "wrong mobile number or password");
pub const NO_ACCOUNT: BizError = BizError::new(10007, "no account has this mobile number");
pub const ACCOUNT_GONE: BizError = BizError::new(10008, "the account no longer exists");

/// A user.rpc failure as the client should see it: a business code for the documented
/// reasons, a 400 for a field the service refused, 503 when the service cannot be reached.
pub fn from_user_rpc(status: Status) -> Error {
    match Reason::of(&status) {
        Some(Reason::MobileTaken) => MOBILE_TAKEN.into(),
        Some(Reason::NameTaken) => NAME_TAKEN.into(),
        Some(Reason::BadCredentials) => BAD_CREDENTIALS.into(),
        Some(Reason::NoSuchUser) => ACCOUNT_GONE.into(),
        // The message names the field: `mobile: expected 6 to 15 digits ...`.
        Some(Reason::InvalidField) => bad_field(status),
        None => match status.code() {
            Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted => {
                tracing::warn!(code = ?status.code(), msg = status.message(), "user.rpc failed");
                Error::status(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the user service is unavailable, try again",
                )
            }
            _ => Error::internal(format!("user.rpc: {status}")),
        },
    }
}

/// A rule of `user::account` broken by the request: a 400 naming the field.
pub fn bad_field(status: Status) -> Error {
    Error::bad_request(status.message().to_owned())
}
