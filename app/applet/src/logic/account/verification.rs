//! The logic of `POST /v1/verification`: send a 6-digit sign-up or sign-in code to a mobile
//! number (at most 10 a day)
//!
//! Created by rzctl from applet.api; this file is yours: rzctl never overwrites it.
//!
//! Keys (the original design's): `biz#activation#<mobile>` holds the code for 30 minutes;
//! `biz#verification#count#<mobile>` counts today's codes and expires at midnight. Beyond
//! it, `biz#verification#attempts#<mobile>` counts wrong guesses: after 5 the code is
//! deleted, so that a code cannot be guessed in its 30 minutes.

use crate::code::{CODE_EXPIRED, CODE_WRONG, DAILY_LIMIT, bad_field};
use crate::svc::ServiceContext;
use crate::types::{VerificationRequest, VerificationResponse};
use rand::Rng;
use rzero::cache::CacheError;
use rzero::rest::http::StatusCode;
use rzero::rest::{Context, Error};
use std::time::{Duration, SystemTime};

/// Wrong guesses a code survives.
pub const MAX_ATTEMPTS: i64 = 5;

pub fn activation_key(mobile: &str) -> String {
    format!("biz#activation#{mobile}")
}

pub fn count_key(mobile: &str) -> String {
    format!("biz#verification#count#{mobile}")
}

fn attempts_key(mobile: &str) -> String {
    format!("biz#verification#attempts#{mobile}")
}

pub fn kv_error(err: CacheError) -> Error {
    tracing::error!(%err, "verification store failed");
    Error::status(
        StatusCode::SERVICE_UNAVAILABLE,
        "codes cannot be checked right now, try again",
    )
}

/// The next midnight of the server's time zone, when the daily count starts over.
fn end_of_day() -> SystemTime {
    use chrono::{Local, TimeZone};
    let tomorrow = Local::now().date_naive().succ_opt();
    let midnight = tomorrow
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .and_then(|time| Local.from_local_datetime(&time).earliest());
    midnight.map_or_else(
        || SystemTime::now() + Duration::from_secs(24 * 3600),
        SystemTime::from,
    )
}

pub async fn verification(
    svc: &ServiceContext,
    ctx: &Context,
    req: VerificationRequest,
) -> Result<VerificationResponse, Error> {
    let _ = ctx;
    let mobile = user::account::mobile(&req.mobile).map_err(bad_field)?;
    let conf = &svc.config.verification;
    let today = svc
        .kv
        .incr_expire_at(&count_key(&mobile), end_of_day())
        .await
        .map_err(kv_error)?;
    if today > conf.daily_limit {
        return Err(DAILY_LIMIT.into());
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    svc.kv
        .set_ex(&activation_key(&mobile), &code, conf.code_ttl)
        .await
        .map_err(kv_error)?;
    svc.kv.del(&attempts_key(&mobile)).await.map_err(kv_error)?;
    svc.sms.send(&mobile, &code).await.map_err(|err| {
        tracing::error!(%err, "sending the verification code failed");
        Error::status(
            StatusCode::SERVICE_UNAVAILABLE,
            "the code could not be sent, try again",
        )
    })?;
    Ok(VerificationResponse {
        expire_in: i64::try_from(conf.code_ttl.as_secs()).unwrap_or(i64::MAX),
    })
}

/// Whether `code` is the code sent to `mobile`, without using it up; a wrong guess counts
/// towards [`MAX_ATTEMPTS`].
pub async fn check(svc: &ServiceContext, mobile: &str, code: &str) -> Result<(), Error> {
    let key = activation_key(mobile);
    let Some(sent) = svc.kv.get(&key).await.map_err(kv_error)? else {
        return Err(CODE_EXPIRED.into());
    };
    if sent == code {
        return Ok(());
    }
    let attempts = svc
        .kv
        .incr_expire_at(
            &attempts_key(mobile),
            SystemTime::now() + svc.config.verification.code_ttl,
        )
        .await
        .map_err(kv_error)?;
    if attempts >= MAX_ATTEMPTS {
        svc.kv.del(&key).await.map_err(kv_error)?;
    }
    Err(CODE_WRONG.into())
}

/// Uses the code up: of two requests with the same code, one gets through. The right code
/// costs one atomic take; only a refused one is looked at again, to tell a wrong guess
/// (counted) from a code that is gone.
pub async fn consume(svc: &ServiceContext, mobile: &str, code: &str) -> Result<(), Error> {
    if svc
        .kv
        .take_if(&activation_key(mobile), code)
        .await
        .map_err(kv_error)?
    {
        return Ok(());
    }
    check(svc, mobile, code).await?;
    // The code matched after all: another request took it between the two reads.
    Err(CODE_EXPIRED.into())
}
