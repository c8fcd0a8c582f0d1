//! What both modes' end-to-end tests share: an HTTP client of the gateway that reads codes
//! from the SMS outbox, and the scenarios every mode must pass.
#![allow(dead_code)]

pub mod scenarios;

use rand::Rng;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The envelope every answer comes in.
#[derive(Debug, Clone)]
pub struct Answer {
    pub http: u16,
    pub code: i64,
    pub msg: String,
    pub data: Value,
}

impl Answer {
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!((self.http, self.code), (200, 0), "not a success: {self:?}");
        self.data
    }

    #[track_caller]
    pub fn biz(&self, code: i64) {
        assert_eq!((self.http, self.code), (200, code), "{self:?}");
    }
}

/// A client of the gateway, with the outbox its codes are written to.
#[derive(Debug, Clone)]
pub struct Api {
    pub base: String,
    pub outbox: PathBuf,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: String, outbox: PathBuf) -> Api {
        Api {
            base,
            outbox,
            http: reqwest::Client::new(),
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Answer {
        let url = format!("{}{path}", self.base);
        let mut request = match method {
            "GET" => self.http.get(&url),
            _ => self.http.post(&url),
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let http = response.status().as_u16();
        let body: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON: {e}"));
        Answer {
            http,
            code: body["code"].as_i64().unwrap_or(-1),
            msg: body["msg"].as_str().unwrap_or_default().to_owned(),
            data: body.get("data").cloned().unwrap_or(Value::Null),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(body), None).await
    }

    /// Asks for a code and reads it from the outbox.
    pub async fn send_code(&self, mobile: &str) -> String {
        let before = self.codes_for(mobile).len();
        self.post("/v1/verification", json!({ "mobile": mobile }))
            .await
            .ok();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let codes = self.codes_for(mobile);
            if codes.len() > before {
                return codes[codes.len() - 1].clone();
            }
            assert!(
                Instant::now() < deadline,
                "no code for {mobile} reached the outbox"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn codes_for(&self, mobile: &str) -> Vec<String> {
        std::fs::read_to_string(&self.outbox)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once(' '))
            .filter(|(m, _)| *m == mobile)
            .map(|(_, code)| code.to_owned())
            .collect()
    }

    /// Signs up a fresh user; returns its id and access token.
    pub async fn sign_up(&self, name: &str, mobile: &str, password: &str) -> (i64, String) {
        let code = self.send_code(mobile).await;
        let data = self
            .post(
                "/v1/register",
                json!({ "name": name, "mobile": mobile, "password": password, "verification_code": code }),
            )
            .await
            .ok();
        let id = data["user_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no user_id: {data}"));
        let token = data["token"]["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (id, token)
    }
}

/// A mobile number no other test (or earlier run) uses.
pub fn mobile() -> String {
    format!("139{:08}", rand::rng().random_range(0..100_000_000u32))
}

/// A user name no other test uses.
pub fn name(prefix: &str) -> String {
    format!("{prefix}-{:06x}", rand::rng().random_range(0..0xff_ffffu32))
}
