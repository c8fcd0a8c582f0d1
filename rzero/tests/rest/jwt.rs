use crate::support::{client, conf, json, start};
use base64::Engine as _;
use http::Method;
use rzero::rest::jwt::issue;
use rzero::rest::{Claims, JwtAuth, Reply, RouteGroup, Server};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECRET: &str = "current-secret-1";
const PREVIOUS: &str = "previous-secret-0";

async fn server() -> (rzero::rest::RunningServer, String) {
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .prefix("/v1")
                .jwt(JwtAuth::new(SECRET, Some(PREVIOUS)).unwrap())
                .route(Method::GET, "/me", |claims: Claims| async move {
                    Reply(claims.get::<i64>("uid"))
                }),
        )
        .unwrap();
    start(server).await
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn call(base: &str, auth: Option<String>) -> (u16, serde_json::Value) {
    let mut request = client().get(format!("{base}/v1/me"));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn valid_tokens_pass_and_carry_claims() {
    let (running, base) = server().await;
    let token = issue(
        SECRET,
        Duration::from_secs(60),
        &serde_json::json!({"uid": 7}),
    )
    .unwrap();
    let (status, body) = call(&base, Some(format!("Bearer {}", token.access_token))).await;
    assert_eq!((status, body["data"].as_i64()), (200, Some(7)));
    // The previous secret still works during a rotation.
    let old = issue(
        PREVIOUS,
        Duration::from_secs(60),
        &serde_json::json!({"uid": 8}),
    )
    .unwrap();
    let (status, body) = call(&base, Some(format!("bearer {}", old.access_token))).await;
    assert_eq!((status, body["data"].as_i64()), (200, Some(8)));
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_tokens_are_401_with_a_reason() {
    let (running, base) = server().await;
    let expect = |(status, body): (u16, serde_json::Value), msg: &str| {
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["code"], 401);
        assert!(
            body["msg"].as_str().unwrap().contains(msg),
            "{body} should say {msg}"
        );
    };
    expect(call(&base, None).await, "missing token");
    expect(call(&base, Some("Basic abc".into())).await, "missing token");
    expect(
        call(&base, Some("Bearer not.a.jwt".into())).await,
        "invalid token",
    );

    let claims = serde_json::json!({"uid": 1, "exp": now() - 10});
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    expect(
        call(&base, Some(format!("Bearer {expired}"))).await,
        "token expired",
    );

    let early = serde_json::json!({"uid": 1, "exp": now() + 600, "nbf": now() + 300});
    let early = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &early,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    expect(
        call(&base, Some(format!("Bearer {early}"))).await,
        "not yet valid",
    );

    let wrong = issue(
        "some-other-secret",
        Duration::from_secs(60),
        &serde_json::json!({"uid": 1}),
    )
    .unwrap();
    expect(
        call(&base, Some(format!("Bearer {}", wrong.access_token))).await,
        "signature",
    );

    // Forged: a valid token whose payload was swapped for another user's.
    let good = issue(
        SECRET,
        Duration::from_secs(60),
        &serde_json::json!({"uid": 1}),
    )
    .unwrap();
    let parts: Vec<&str> = good.access_token.split('.').collect();
    let forged_payload = b64(format!(r#"{{"uid":2,"exp":{}}}"#, now() + 60).as_bytes());
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    expect(
        call(&base, Some(format!("Bearer {forged}"))).await,
        "signature",
    );

    // alg: none, unsigned.
    let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(format!(r#"{{"uid":1,"exp":{}}}"#, now() + 60).as_bytes());
    expect(
        call(&base, Some(format!("Bearer {header}.{payload}."))).await,
        "invalid token",
    );

    // An asymmetric algorithm with the secret as key (algorithm confusion).
    let header = b64(br#"{"alg":"RS256","typ":"JWT"}"#);
    expect(
        call(
            &base,
            Some(format!("Bearer {header}.{payload}.{}", parts[2])),
        )
        .await,
        "algorithm",
    );

    // No `exp` at all.
    let forever = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::json!({"uid": 1}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    expect(
        call(&base, Some(format!("Bearer {forever}"))).await,
        "`exp` claim is required",
    );
    running.shutdown().await.unwrap();
}

#[test]
fn short_secrets_are_refused_at_start_up() {
    let err = JwtAuth::new("1234567", None).unwrap_err().to_string();
    assert!(err.contains("at least 8 characters"), "{err}");
}

#[tokio::test]
async fn the_logic_context_carries_claims_and_trace() {
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .jwt(JwtAuth::new(SECRET, None).unwrap())
                .route(
                    Method::GET,
                    "/ctx",
                    |ctx: rzero::rest::Context| async move {
                        let uid: Result<i64, _> = ctx.claim("uid");
                        let missing: Result<String, _> = ctx.claim("role");
                        Reply(serde_json::json!({
                            "uid": uid.ok(),
                            "role_error": missing.err().map(|e| e.to_string()),
                            "traced": ctx.trace().is_some(),
                            "peer": ctx.peer().map(|p| p.ip().to_string()),
                        }))
                    },
                ),
        )
        .unwrap();
    let (running, base) = start(server).await;
    let token = issue(
        SECRET,
        Duration::from_secs(60),
        &serde_json::json!({"uid": 5}),
    )
    .unwrap();
    let response = client()
        .get(format!("{base}/ctx"))
        .bearer_auth(token.access_token)
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["uid"], 5);
    assert!(
        body["data"]["role_error"]
            .as_str()
            .unwrap()
            .contains("`role`")
    );
    assert_eq!(body["data"]["traced"], true);
    assert_eq!(body["data"]["peer"], "127.0.0.1");
    running.shutdown().await.unwrap();
}
