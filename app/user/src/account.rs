//! The rules of an account: what a valid name, mobile number, password and avatar are, and
//! how a stored user looks to callers. The gateway checks the same rules first so that
//! clients get their 400 without a hop; this service checks them again because it trusts
//! no caller.

use crate::errors::{invalid, storage};
use crate::model::User;
use crate::pb::user::UserInfo;
use crate::svc::ServiceContext;
use tonic::Status;

pub const NAME_MAX_CHARS: usize = 32;
pub const PASSWORD_MIN_CHARS: usize = 6;
pub const PASSWORD_MAX_CHARS: usize = 64;
pub const AVATAR_MAX_CHARS: usize = 512;

/// The number as stored and digested: spaces and dashes dropped, then an optional `+` and
/// 6 to 15 digits (E.164 allows at most 15).
pub fn mobile(raw: &str) -> Result<String, Status> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    if (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(compact)
    } else {
        Err(invalid(
            "mobile",
            "expected 6 to 15 digits, optionally after a `+`",
        ))
    }
}

pub fn name(raw: &str) -> Result<String, Status> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            "expected 1 to 32 characters without control characters",
        ));
    }
    Ok(name.to_owned())
}

/// A new password; empty means none (the user signs in with codes).
pub fn password(raw: &str) -> Result<&str, Status> {
    let chars = raw.chars().count();
    if raw.is_empty() || (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
        Ok(raw)
    } else {
        Err(invalid("password", "expected 6 to 64 characters"))
    }
}

pub fn avatar(raw: &str) -> Result<String, Status> {
    let avatar = raw.trim();
    let web = avatar.starts_with("https://") || avatar.starts_with("http://");
    if avatar.is_empty() || (web && avatar.chars().count() <= AVATAR_MAX_CHARS) {
        Ok(avatar.to_owned())
    } else {
        Err(invalid(
            "avatar",
            "expected an http(s) URL of at most 512 characters, or nothing",
        ))
    }
}

/// The number with its middle hidden: `138****8000`.
pub fn mask(mobile: &str) -> String {
    let chars: Vec<char> = mobile.chars().collect();
    let (head, tail) = if chars.len() >= 9 { (3, 4) } else { (1, 2) };
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str("****");
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// The id as the proto carries it; ids are never negative.
pub fn user_id(id: i64) -> u64 {
    u64::try_from(id).unwrap_or_default()
}

/// The row's id for a proto id: ids past `i64::MAX` cannot exist.
pub fn row_id(id: u64) -> Option<i64> {
    i64::try_from(id).ok()
}

/// How a stored user looks to callers: the number unsealed only to be masked.
pub fn info(svc: &ServiceContext, user: &User) -> Result<UserInfo, Status> {
    let mobile = svc.sealer.open(&user.mobile).map_err(storage)?;
    Ok(UserInfo {
        user_id: user_id(user.id),
        name: user.name.clone(),
        avatar: user.avatar.clone(),
        masked_mobile: mask(&mobile),
        created_at: user.create_time.timestamp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_normalized_or_refused() {
        assert_eq!(
            mobile(" 138-0013 8000 ").ok().as_deref(),
            Some("13800138000")
        );
        assert_eq!(
            mobile("+8613800138000").ok().as_deref(),
            Some("+8613800138000")
        );
        for bad in [
            "",
            "12345",
            "1380013800a",
            "++138001380",
            "1234567890123456",
        ] {
            assert!(mobile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn masks_hide_the_middle() {
        assert_eq!(mask("13800138000"), "138****8000");
        assert_eq!(mask("+8613800138000"), "+86****8000");
        assert_eq!(mask("1234567"), "1****67");
        assert_eq!(mask("123"), "***");
    }

    #[test]
    fn names_passwords_and_avatars() {
        assert_eq!(name("  ann ").ok().as_deref(), Some("ann"));
        assert!(name("").is_err() && name(&"x".repeat(33)).is_err() && name("a\u{7}").is_err());
        assert!(password("").is_ok() && password("secret").is_ok());
        assert!(password("short").is_err() && password(&"p".repeat(65)).is_err());
        assert!(avatar("").is_ok() && avatar("https://a.example/x.png").is_ok());
        assert!(avatar("javascript:alert(1)").is_err());
    }
}
