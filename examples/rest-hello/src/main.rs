//! A hello service on rzero: `cargo run -p rest-hello`, then
//! `curl -s localhost:8888/hello?name=you`, `curl -s -XPOST localhost:8888/login -d '{"user":"a"}'`,
//! and `curl -s localhost:8888/v1/me -H "Authorization: Bearer <token>"`.

use rzero::rest::Method;
use rzero::rest::bind::{Bindable, Field, Kind, Source};
use rzero::rest::jwt::{Token, issue};
use rzero::rest::{
    Bind, Claims, Error, JwtAuth, JwtConf, Reply, RestConf, RouteGroup, Server, State,
};
use serde::Deserialize;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    rest: RestConf,
    auth: JwtConf,
}

#[derive(Debug, Deserialize)]
struct HelloReq {
    name: String,
}

impl Bindable for HelloReq {
    const FIELDS: &'static [Field] =
        &[Field::new("name", Source::Form, Kind::String).default("world")];
}

#[derive(Debug, Deserialize)]
struct LoginReq {
    user: String,
}

impl Bindable for LoginReq {
    const FIELDS: &'static [Field] = &[Field::new("user", Source::Json, Kind::String)];
}

async fn hello(Bind(req): Bind<HelloReq>) -> Reply<String> {
    Reply(format!("hello, {}", req.name))
}

async fn login(
    State(auth): State<Arc<JwtConf>>,
    Bind(req): Bind<LoginReq>,
) -> Result<Reply<Token>, Error> {
    let claims = serde_json::json!({ "user": req.user });
    issue(&auth.access_secret, auth.access_expire, &claims)
        .map(Reply)
        .map_err(Error::internal)
}

async fn me(claims: Claims) -> Reply<Option<String>> {
    Reply(claims.get("user"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/etc/hello.yaml").to_owned());
    let config: Config = match rzero::conf::load(&path) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), rzero::rest::ServerError> {
    let auth = Arc::new(config.auth);
    let mut server = Server::new(config.rest)?;
    server.add_routes(
        RouteGroup::with_state(auth.clone())
            .route(Method::GET, "/hello", hello)
            .route(Method::POST, "/login", login),
    )?;
    server.add_routes(
        RouteGroup::new()
            .prefix("/v1")
            .jwt(JwtAuth::from_conf(&auth)?)
            .route(Method::GET, "/me", me),
    )?;
    server.start().await
}
