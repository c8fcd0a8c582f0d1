use crate::support::{client, conf, json, start};
use http::Method;
use rzero::rest::bind::{Bindable, Field, Kind, Range, Source};
use rzero::rest::{Bind, Reply, RouteGroup, Server};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize)]
struct Query {
    id: i64,
    page: i64,
    sort: String,
    #[serde(rename = "X-Tenant")]
    tenant: String,
    name: Option<String>,
    size: u32,
    tags: Vec<String>,
    verbose: bool,
}

impl Bindable for Query {
    const FIELDS: &'static [Field] = &[
        Field::new("id", Source::Path, Kind::Int),
        Field::new("page", Source::Form, Kind::Int)
            .default("1")
            .range(Range::closed_open(1.0, 100.0)),
        Field::new("sort", Source::Form, Kind::String).options(&["time", "likes"]),
        Field::new("X-Tenant", Source::Header, Kind::String),
        Field::new("name", Source::Json, Kind::String).optional(),
        Field::new("size", Source::Json, Kind::Uint).range(Range::closed(1.0, 50.0)),
        Field::new("tags", Source::Json, Kind::List(&Kind::String)).options(&["a", "b", "c"]),
        Field::new("verbose", Source::Form, Kind::Bool).default("false"),
    ];
}

async fn server() -> (rzero::rest::RunningServer, String) {
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(RouteGroup::new().route(
            Method::POST,
            "/items/:id",
            |Bind(q): Bind<Query>| async move { Reply(q) },
        ))
        .unwrap();
    start(server).await
}

async fn post(
    base: &str,
    path_and_query: &str,
    tenant: Option<&str>,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let mut request = client().post(format!("{base}{path_and_query}")).json(&body);
    if let Some(tenant) = tenant {
        request = request.header("x-tenant", tenant);
    }
    json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn every_source_is_read_and_defaults_applied() {
    let (running, base) = server().await;
    let (status, body) = post(
        &base,
        "/items/42?sort=likes&verbose=1",
        Some("acme"),
        serde_json::json!({"size": 10, "tags": ["a", "c"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    assert_eq!(data["id"], 42);
    assert_eq!(data["page"], 1);
    assert_eq!(data["sort"], "likes");
    assert_eq!(data["X-Tenant"], "acme");
    assert_eq!(data["name"], serde_json::Value::Null);
    assert_eq!(data["verbose"], true);
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn each_rule_is_a_400_naming_field_and_rule() {
    let (running, base) = server().await;
    let ok = serde_json::json!({"size": 10, "tags": []});
    let cases: Vec<(&str, Option<&str>, serde_json::Value, &str)> = vec![
        (
            "/items/x?sort=time",
            Some("t"),
            ok.clone(),
            r#"field "id" must be an integer, got "x""#,
        ),
        (
            "/items/1?sort=time&page=0",
            Some("t"),
            ok.clone(),
            r#"field "page" must be in range [1:100), got 0"#,
        ),
        (
            "/items/1?sort=time&page=100",
            Some("t"),
            ok.clone(),
            r#"field "page" must be in range [1:100), got 100"#,
        ),
        (
            "/items/1?sort=best",
            Some("t"),
            ok.clone(),
            r#"field "sort" must be one of [time|likes], got "best""#,
        ),
        (
            "/items/1",
            Some("t"),
            ok.clone(),
            r#"field "sort" is required"#,
        ),
        (
            "/items/1?sort=time",
            None,
            ok.clone(),
            r#"field "X-Tenant" is required"#,
        ),
        (
            "/items/1?sort=time",
            Some("t"),
            serde_json::json!({"tags": []}),
            r#"field "size" is required"#,
        ),
        (
            "/items/1?sort=time",
            Some("t"),
            serde_json::json!({"size": 0, "tags": []}),
            r#"field "size" must be in range [1:50], got 0"#,
        ),
        (
            "/items/1?sort=time",
            Some("t"),
            serde_json::json!({"size": -1, "tags": []}),
            r#"field "size" must be a non-negative integer, got -1"#,
        ),
        (
            "/items/1?sort=time",
            Some("t"),
            serde_json::json!({"size": 1, "tags": ["z"]}),
            r#"field "tags" must be one of [a|b|c], got "z""#,
        ),
        (
            "/items/1?sort=time",
            Some("t"),
            serde_json::json!({"size": 1, "tags": "a"}),
            r#"field "tags" must be a list, got "a""#,
        ),
        (
            "/items/1?sort=time&verbose=maybe",
            Some("t"),
            ok.clone(),
            r#"field "verbose" must be a boolean, got "maybe""#,
        ),
        (
            "/items/1?sort=time",
            Some("t"),
            serde_json::json!([1]),
            "the request body must be a JSON object",
        ),
    ];
    for (path, tenant, body, message) in cases {
        let (status, reply) = post(&base, path, tenant, body).await;
        assert_eq!(status, 400, "{path}: {reply}");
        assert_eq!(reply["code"], 400);
        assert_eq!(reply["msg"], message, "{path}");
    }
    let broken = client()
        .post(format!("{base}/items/1?sort=time"))
        .header("x-tenant", "t")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, reply) = json(broken).await;
    assert_eq!(status, 400);
    assert!(
        reply["msg"]
            .as_str()
            .unwrap()
            .starts_with("the request body is not valid JSON"),
        "{reply}"
    );
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn form_bodies_are_read_like_queries() {
    #[derive(Debug, Deserialize, Serialize)]
    struct Login {
        mobile: String,
        remember: bool,
    }
    impl Bindable for Login {
        const FIELDS: &'static [Field] = &[
            Field::new("mobile", Source::Form, Kind::String),
            Field::new("remember", Source::Form, Kind::Bool).default("false"),
        ];
    }
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(RouteGroup::new().route(
            Method::POST,
            "/login",
            |Bind(l): Bind<Login>| async move { Reply(l) },
        ))
        .unwrap();
    let (running, base) = start(server).await;
    let response = client()
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("mobile=13800000000&remember=true")
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["mobile"], "13800000000");
    assert_eq!(body["data"]["remember"], true);
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn lists_and_builtins_are_whole_json_bodies() {
    #[derive(Debug, Deserialize, Serialize)]
    struct Book {
        title: String,
        stock: i32,
    }
    impl Bindable for Book {
        const FIELDS: &'static [Field] = &[
            Field::new("title", Source::Json, Kind::String),
            Field::new("stock", Source::Json, Kind::Int).range(Range::closed(0.0, 10.0)),
        ];
    }
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .route(
                    Method::POST,
                    "/books",
                    |Bind(books): Bind<Vec<Book>>| async move { Reply(books) },
                )
                .route(
                    Method::POST,
                    "/echo",
                    |Bind(text): Bind<String>| async move { Reply(text) },
                )
                .route(
                    Method::POST,
                    "/ids",
                    |Bind(ids): Bind<Vec<u32>>| async move { Reply(ids) },
                ),
        )
        .unwrap();
    let (running, base) = start(server).await;
    let send = |path: &str, body: serde_json::Value| {
        let request = client().post(format!("{base}{path}")).json(&body);
        async move { json(request.send().await.unwrap()).await }
    };

    let (status, reply) = send("/books", serde_json::json!([{"title": "a", "stock": 1}])).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["data"],
        serde_json::json!([{"title": "a", "stock": 1}])
    );
    // every element is checked against the element's fields
    let (status, reply) = send(
        "/books",
        serde_json::json!([{"title": "a", "stock": 1}, {"title": "b", "stock": 11}]),
    )
    .await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(
        reply["msg"],
        r#"field "body[1].stock" must be in range [0:10], got 11"#
    );
    let (status, reply) = send("/books", serde_json::json!({"title": "a"})).await;
    assert_eq!(
        (status, reply["msg"].clone()),
        (400, r#"field "body" must be a list, got an object"#.into())
    );

    let (status, reply) = send("/echo", serde_json::json!("hello")).await;
    assert_eq!((status, reply["data"].clone()), (200, "hello".into()));
    let (status, reply) = send("/ids", serde_json::json!([1, -2])).await;
    assert_eq!(
        (status, reply["msg"].clone()),
        (
            400,
            r#"field "body[1]" must be a non-negative integer, got -2"#.into()
        )
    );
    // an absent body is a missing value, not an empty list
    let empty = client().post(format!("{base}/ids")).send().await.unwrap();
    let (status, reply) = json(empty).await;
    assert_eq!(
        (status, reply["msg"].clone()),
        (400, r#"field "body" is required"#.into())
    );
    let form = client()
        .post(format!("{base}/ids"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=1")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 415);
    running.shutdown().await.unwrap();
}
