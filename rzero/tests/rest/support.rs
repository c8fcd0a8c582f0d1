use rzero::conf::load_str;
use rzero::rest::{RestConf, RunningServer, Server};

/// A config on a free loopback port with `extra` YAML merged in.
pub fn conf(extra: &str) -> RestConf {
    let yaml = format!("name: test\nhost: 127.0.0.1\nport: 0\nlog: {{ level: off }}\n{extra}");
    load_str("test.yaml", &yaml).unwrap()
}

pub async fn start(server: Server) -> (RunningServer, String) {
    let running = server.bind().await.unwrap();
    let base = format!("http://{}", running.local_addr());
    (running, base)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The status and the parsed JSON envelope.
pub async fn json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, value)
}

/// The statuses of `n` GET requests to `url` sent at once.
pub async fn concurrent_statuses(url: &str, n: usize) -> Vec<u16> {
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let url = url.to_owned();
            tokio::spawn(async move { client().get(url).send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::with_capacity(n);
    for call in calls {
        statuses.push(call.await.unwrap());
    }
    statuses
}
