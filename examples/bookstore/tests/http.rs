//! Every route of the generated bookstore over real HTTP on loopback, including the 400s
//! of each binding rule and the 401s of the JWT group.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use serde_json::{Value, json};

const CONFIG: &str = r#"
rest:
  name: bookstore-test
  host: 127.0.0.1
  port: 0
  log: { level: off }
auth:
  access_secret: a-test-secret-of-some-length
  access_expire: 1h
accounts:
  - user: alice
    password: wonderland
"#;

struct Shop {
    base: String,
    http: reqwest::Client,
    running: rzero::rest::RunningServer,
}

async fn open() -> Shop {
    let config: bookstore::config::Config = rzero::conf::load_str("test.yaml", CONFIG).unwrap();
    let running = bookstore::server(config)
        .await
        .unwrap()
        .bind()
        .await
        .unwrap();
    Shop {
        base: format!("http://{}", running.local_addr()),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        running,
    }
}

impl Shop {
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body, headers)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let (status, body, _) = self
            .send(self.http.get(format!("{}{path}", self.base)))
            .await;
        (status, body)
    }

    async fn post(
        &self,
        path: &str,
        body: Value,
        token: Option<&str>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    async fn token(&self) -> String {
        let (_, body, _) = self
            .post(
                "/login",
                json!({"user": "alice", "password": "wonderland"}),
                None,
            )
            .await;
        body["data"]["access_token"].as_str().unwrap().to_owned()
    }
}

fn rejected(reply: &(u16, Value), message: &str) {
    assert_eq!(reply.0, 400, "{}", reply.1);
    assert_eq!(reply.1["msg"], message);
}

#[tokio::test]
async fn login_issues_a_token_or_a_business_error() {
    let shop = open().await;
    let (status, body, _) = shop
        .post(
            "/login",
            json!({"user": "alice", "password": "wonderland"}),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0);
    assert!(body["data"]["access_token"].as_str().unwrap().len() > 20);
    assert!(body["data"]["access_expire"].as_i64().unwrap() > 0);
    let (status, body, _) = shop
        .post("/login", json!({"user": "alice", "password": "nope"}), None)
        .await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(1001)));
    let missing = shop.post("/login", json!({"user": "alice"}), None).await;
    rejected(&(missing.0, missing.1), r#"field "password" is required"#);
    shop.running.shutdown().await.unwrap();
}

#[tokio::test]
async fn listing_applies_defaults_options_and_ranges() {
    let shop = open().await;
    let (status, body) = shop.get("/books").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["total"], 3);
    assert_eq!(
        body["data"]["books"][0]["title"],
        "Dream of the Red Chamber"
    );
    let (_, body) = shop.get("/books?sort=price&size=2").await;
    let prices: Vec<f64> = body["data"]["books"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["price"].as_f64().unwrap())
        .collect();
    assert_eq!(prices, vec![19.9, 38.5]);
    let (_, body) = shop.get("/books?author=Sun%20Tzu").await;
    assert_eq!(body["data"]["total"], 1);
    rejected(
        &shop.get("/books?sort=random").await,
        r#"field "sort" must be one of [title|price], got "random""#,
    );
    rejected(
        &shop.get("/books?page=0").await,
        r#"field "page" must be in range [1:1000], got 0"#,
    );
    rejected(
        &shop.get("/books?size=101").await,
        r#"field "size" must be in range [1:100], got 101"#,
    );
    rejected(
        &shop.get("/books?size=ten").await,
        r#"field "size" must be an integer, got "ten""#,
    );
    shop.running.shutdown().await.unwrap();
}

#[tokio::test]
async fn one_book_by_path_parameter() {
    let shop = open().await;
    let (status, body) = shop.get("/books/2").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["author"], "Wu Cheng'en");
    let (status, body) = shop.get("/books/99").await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(1002)));
    rejected(
        &shop.get("/books/two").await,
        r#"field "id" must be an integer, got "two""#,
    );
    let (status, _) = shop.get("/nowhere").await;
    assert_eq!(status, 404);
    shop.running.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_store_group_needs_a_token_and_runs_its_middleware() {
    let shop = open().await;
    let book = json!({"title": "Tao Te Ching", "author": "Laozi", "price": 12.5});
    let (status, body, _) = shop.post("/v1/books", book.clone(), None).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(401)));
    let (status, _, _) = shop
        .post("/v1/books", book.clone(), Some("not-a-token"))
        .await;
    assert_eq!(status, 401);
    let forged = rzero::rest::jwt::issue(
        "another-secret-entirely",
        std::time::Duration::from_secs(60),
        &json!({"user": "mallory"}),
    )
    .unwrap();
    let (status, _, _) = shop
        .post("/v1/books", book.clone(), Some(&forged.access_token))
        .await;
    assert_eq!(status, 401);

    let token = shop.token().await;
    let (status, body, headers) = shop.post("/v1/books", book, Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["id"], 4);
    assert_eq!(body["data"]["stock"], 0, "the default applies");
    assert_eq!(headers["x-audited"], "true");
    // A path of the public group under the JWT prefix is not public.
    let (status, _) = shop.get("/v1/books").await;
    assert_eq!(status, 405);
    shop.running.shutdown().await.unwrap();
}

#[tokio::test]
async fn adding_checks_every_rule_of_the_body() {
    let shop = open().await;
    let token = shop.token().await;
    let add = |body: Value| {
        let shop = &shop;
        let token = token.clone();
        async move {
            let (status, body, _) = shop.post("/v1/books", body, Some(&token)).await;
            (status, body)
        }
    };
    rejected(
        &add(json!({"author": "x", "price": 1.0})).await,
        r#"field "title" is required"#,
    );
    rejected(
        &add(json!({"title": "t", "author": "x", "price": 0})).await,
        r#"field "price" must be in range (0:10000], got 0"#,
    );
    rejected(
        &add(json!({"title": "t", "author": "x", "price": "cheap"})).await,
        r#"field "price" must be a number, got "cheap""#,
    );
    rejected(
        &add(json!({"title": "t", "author": "x", "price": 1, "stock": -1})).await,
        r#"field "stock" must be in range [0:1000000], got -1"#,
    );
    rejected(
        &add(json!({"title": "t", "author": "x", "price": 1, "tags": "one"})).await,
        r#"field "tags" must be a list, got "one""#,
    );
    let header = shop
        .send(
            shop.http
                .post(format!("{}/v1/books", shop.base))
                .bearer_auth(&token)
                .header("x-request-id", "req-42")
                .json(&json!({"title": "t", "author": "x", "price": 1, "tags": ["a"]})),
        )
        .await;
    assert_eq!(header.0, 200, "{}", header.1);
    assert_eq!(header.1["data"]["tags"], json!(["a"]));
    // The group's body limit (maxBytes: 65536) answers 413.
    let big = json!({"title": "x".repeat(70_000), "author": "x", "price": 1});
    let (status, _) = add(big).await;
    assert_eq!(status, 413);
    shop.running.shutdown().await.unwrap();
}

#[tokio::test]
async fn buying_takes_stock_and_reports_business_errors() {
    let shop = open().await;
    let token = shop.token().await;
    let (status, body, _) = shop
        .post(
            "/v1/books/2/buy",
            json!({"quantity": 3, "coupon": "SPRING"}),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["left"], 4);
    assert_eq!(body["data"]["total"], 103.95);
    assert_eq!(body["data"]["order_id"], "alice-2-4");
    let (status, body, _) = shop
        .post("/v1/books/2/buy", json!({"quantity": 5}), Some(&token))
        .await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(1003)));
    assert_eq!(body["msg"], "only 4 copies left");
    let (_, body, _) = shop
        .post("/v1/books/77/buy", json!({"quantity": 1}), Some(&token))
        .await;
    assert_eq!(body["code"], 1002);
    let over = shop
        .post("/v1/books/2/buy", json!({"quantity": 11}), Some(&token))
        .await;
    rejected(
        &(over.0, over.1),
        r#"field "quantity" must be in range [1:10], got 11"#,
    );
    let coupon = shop
        .post(
            "/v1/books/2/buy",
            json!({"quantity": 1, "coupon": "WINTER"}),
            Some(&token),
        )
        .await;
    rejected(
        &(coupon.0, coupon.1),
        r#"field "coupon" must be one of [SPRING|SUMMER], got "WINTER""#,
    );
    shop.running.shutdown().await.unwrap();
}

#[tokio::test]
async fn restocking_reads_the_supplier_header_and_obeys_the_group_timeout() {
    let shop = open().await;
    let restock = |book: i64, query: &str, supplier: Option<&str>, quantity: i32| {
        let mut request = shop
            .http
            .post(format!(
                "{}/v1/supply/books/{book}/restock{query}",
                shop.base
            ))
            .json(&json!({ "quantity": quantity }));
        if let Some(supplier) = supplier {
            request = request.header("X-Supplier", supplier);
        }
        let shop = &shop;
        async move {
            let (status, body, _) = shop.send(request).await;
            (status, body)
        }
    };
    // The bound header reaches the logic, which echoes it.
    let (status, body) = restock(3, "", Some("acme-books"), 5).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"],
        json!({"id": 3, "stock": 35, "supplier": "acme-books"})
    );
    // A required header that is missing is a 400 naming it.
    rejected(
        &restock(3, "", None, 5).await,
        r#"field "X-Supplier" is required"#,
    );
    // A supplier slower than the group's `timeout: 300ms` is answered 503, and the copies
    // it did not confirm are not added.
    let started = std::time::Instant::now();
    let (status, body) = restock(3, "?supplier_ms=2000", Some("slow-books"), 5).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["msg"], "request timed out");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1500),
        "answered after {:?}, not at the timeout",
        started.elapsed()
    );
    let (_, book) = shop.get("/books/3").await;
    assert_eq!(book["data"]["stock"], 35);
    // Within the timeout the supplier's wait is fine.
    let (status, body) = restock(3, "?supplier_ms=20", Some("quick-books"), 1).await;
    assert_eq!((status, body["data"]["stock"].clone()), (200, json!(36)));
    shop.running.shutdown().await.unwrap();
}
