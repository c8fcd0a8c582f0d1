//! The behaviour both modes must show, over HTTP only.

use super::{Api, mobile, name};
use serde_json::json;

/// Code -> register -> login -> info -> profile update.
pub async fn journey(api: &Api) -> (i64, String) {
    let number = mobile();
    let who = name("ann");
    let (id, _) = api.sign_up(&who, &number, "secret-1").await;
    assert!(id > 0);

    let data = api
        .post(
            "/v1/login",
            json!({ "mobile": number, "password": "secret-1" }),
        )
        .await
        .ok();
    assert_eq!(data["user_id"].as_i64(), Some(id));
    let token = data["token"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let expire = data["token"]["access_expire"].as_i64().unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    assert!(
        (now + 23 * 3600..=now + 24 * 3600 + 5).contains(&expire),
        "24 h: {expire}"
    );

    let info = api
        .call("GET", "/v1/user/info", None, Some(&token))
        .await
        .ok();
    let masked = format!("{}****{}", &number[..3], &number[7..]);
    assert_eq!(
        info,
        json!({ "user_id": id, "name": who, "avatar": "", "mobile": masked })
    );

    let renamed = name("ann2");
    let updated = api
        .call(
            "POST",
            "/v1/user/profile",
            Some(json!({ "name": renamed, "avatar": "https://img.example/a.png" })),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(updated["name"], json!(renamed));
    let info = api
        .call("GET", "/v1/user/info", None, Some(&token))
        .await
        .ok();
    assert_eq!(info["name"], json!(renamed));
    assert_eq!(info["avatar"], json!("https://img.example/a.png"));
    // An avatar left out stays.
    let again = api
        .call(
            "POST",
            "/v1/user/profile",
            Some(json!({ "name": renamed })),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(again["avatar"], json!("https://img.example/a.png"));
    (id, number)
}

/// A wrong code is refused and does not use the right one up; five wrong guesses do.
pub async fn wrong_code(api: &Api) {
    let number = mobile();
    let code = api.send_code(&number).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let register = |code: &str| json!({ "name": name("wc"), "mobile": number, "password": "secret-1", "verification_code": code });
    api.post("/v1/register", register(wrong)).await.biz(10001);
    api.post("/v1/register", register(&code)).await.ok();

    let other = mobile();
    let code = api.send_code(&other).await;
    for _ in 0..5 {
        api.post(
            "/v1/register",
            json!({ "name": name("wc"), "mobile": other, "password": "secret-1", "verification_code": wrong }),
        )
        .await
        .biz(10001);
    }
    api.post(
        "/v1/register",
        json!({ "name": name("wc"), "mobile": other, "password": "secret-1", "verification_code": code }),
    )
    .await
    .biz(10002);
}

/// A code works once.
pub async fn code_used_twice(api: &Api) {
    let number = mobile();
    api.sign_up(&name("twice"), &number, "secret-1").await;
    let code = api.send_code(&number).await;
    let login = json!({ "mobile": number, "verification_code": code });
    api.post("/v1/login", login.clone()).await.ok();
    api.post("/v1/login", login).await.biz(10002);
}

pub async fn duplicate_mobile(api: &Api) {
    let number = mobile();
    api.sign_up(&name("dup"), &number, "secret-1").await;
    let code = api.send_code(&number).await;
    api.post(
        "/v1/register",
        json!({ "name": name("dup"), "mobile": number, "password": "secret-1", "verification_code": code }),
    )
    .await
    .biz(10004);
}

pub async fn duplicate_name(api: &Api) {
    let taken = name("same");
    api.sign_up(&taken, &mobile(), "secret-1").await;
    let number = mobile();
    let code = api.send_code(&number).await;
    let register = json!({ "name": taken, "mobile": number, "password": "secret-1", "verification_code": code });
    api.post("/v1/register", register.clone()).await.biz(10005);
    // The code survives a refused name.
    let mut renamed = register;
    renamed["name"] = json!(name("other"));
    api.post("/v1/register", renamed).await.ok();
}

pub async fn wrong_password(api: &Api) {
    let number = mobile();
    api.sign_up(&name("pw"), &number, "secret-1").await;
    api.post(
        "/v1/login",
        json!({ "mobile": number, "password": "secret-2" }),
    )
    .await
    .biz(10006);
    // An unknown number answers the same, so numbers cannot be probed.
    api.post(
        "/v1/login",
        json!({ "mobile": mobile(), "password": "secret-1" }),
    )
    .await
    .biz(10006);
}

pub async fn login_by_code(api: &Api) {
    let number = mobile();
    let (id, _) = api.sign_up(&name("code"), &number, "secret-1").await;
    let code = api.send_code(&number).await;
    let data = api
        .post(
            "/v1/login",
            json!({ "mobile": number, "verification_code": code }),
        )
        .await
        .ok();
    assert_eq!(data["user_id"].as_i64(), Some(id));
    let token = data["token"]["access_token"].as_str().unwrap_or_default();
    api.call("GET", "/v1/user/info", None, Some(token))
        .await
        .ok();

    let stranger = mobile();
    let code = api.send_code(&stranger).await;
    api.post(
        "/v1/login",
        json!({ "mobile": stranger, "verification_code": code }),
    )
    .await
    .biz(10007);
}

/// Ten codes a day; the eleventh is refused.
pub async fn daily_limit(api: &Api) {
    let number = mobile();
    for _ in 0..10 {
        api.post("/v1/verification", json!({ "mobile": number }))
            .await
            .ok();
    }
    api.post("/v1/verification", json!({ "mobile": number }))
        .await
        .biz(10003);
}

/// Missing, expired, forged and garbage tokens are 401s.
pub async fn jwt_refusals(api: &Api, secret: &str, user_id: i64) {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let sign = |secret: &str, exp: i64| {
        encode(
            &Header::default(),
            &json!({ "user_id": user_id, "iat": now - 7200, "exp": exp }),
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap_or_default()
    };
    let valid = sign(secret, now + 600);
    api.call("GET", "/v1/user/info", None, Some(&valid))
        .await
        .ok();
    let missing = api.call("GET", "/v1/user/info", None, None).await;
    let expired = api
        .call(
            "GET",
            "/v1/user/info",
            None,
            Some(&sign(secret, now - 3600)),
        )
        .await;
    let forged = api
        .call(
            "GET",
            "/v1/user/info",
            None,
            Some(&sign("not-the-secret-at-all-0123456789", now + 600)),
        )
        .await;
    let garbage = api
        .call("GET", "/v1/user/info", None, Some("not.a.token"))
        .await;
    for (what, answer) in [
        ("missing", missing),
        ("expired", expired),
        ("forged", forged),
        ("garbage", garbage),
    ] {
        assert_eq!((answer.http, answer.code), (401, 401), "{what}: {answer:?}");
    }
}

/// Malformed input is a 400 naming the field.
pub async fn malformed_input(api: &Api) {
    let bad_mobile = api
        .post("/v1/verification", json!({ "mobile": "12ab" }))
        .await;
    assert_eq!(bad_mobile.http, 400, "{bad_mobile:?}");
    assert!(bad_mobile.msg.starts_with("mobile:"), "{bad_mobile:?}");
    let missing = api
        .post("/v1/register", json!({ "mobile": mobile() }))
        .await;
    assert_eq!(missing.http, 400, "{missing:?}");
    assert!(missing.msg.contains("name"), "{missing:?}");
    let short = api
        .post(
            "/v1/register",
            json!({ "name": "x", "mobile": mobile(), "password": "123", "verification_code": "123456" }),
        )
        .await;
    assert_eq!(short.http, 400, "{short:?}");
    assert!(short.msg.starts_with("password:"), "{short:?}");
    let neither = api.post("/v1/login", json!({ "mobile": mobile() })).await;
    assert_eq!(neither.http, 400, "{neither:?}");
}

/// A code used after its lifetime (the gateway configured with a short one).
pub async fn expired_code(api: &Api, ttl: std::time::Duration) {
    let number = mobile();
    let code = api.send_code(&number).await;
    tokio::time::sleep(ttl + std::time::Duration::from_millis(300)).await;
    api.post(
        "/v1/register",
        json!({ "name": name("late"), "mobile": number, "password": "secret-1", "verification_code": code }),
    )
    .await
    .biz(10002);
}
