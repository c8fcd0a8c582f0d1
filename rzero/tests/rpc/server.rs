use crate::eventually;
use rzero::discov::{EtcdConf, Subscriber};
use rzero::rpc::{Client, RpcClientConf, RpcServerConf, Server};
use std::time::Duration;
use testkit::Etcd;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

fn server_conf(etcd: &Etcd, key: &str) -> RpcServerConf {
    RpcServerConf {
        name: "health.rpc".into(),
        listen_on: "127.0.0.1:0".into(),
        etcd: Some(EtcdConf {
            hosts: vec![etcd.endpoint()],
            key: key.into(),
            ..EtcdConf::default()
        }),
        ..RpcServerConf::default()
    }
}

#[tokio::test]
async fn a_server_serves_health_and_deregisters_before_it_stops() {
    let etcd = Etcd::start();
    let running = Server::new(server_conf(&etcd, "health.rpc"))
        .unwrap()
        .bind()
        .await
        .unwrap();
    let addr = running.local_addr().to_string();

    let client = Client::new(&RpcClientConf::etcd([etcd.endpoint()], "health.rpc"))
        .await
        .unwrap();
    assert_eq!(client.endpoints(), vec![addr.clone()]);
    let mut health = HealthClient::new(client.channel());
    let answer = health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.status(), ServingStatus::Serving);

    let watcher = Subscriber::etcd(&EtcdConf {
        hosts: vec![etcd.endpoint()],
        key: "health.rpc".into(),
        ..EtcdConf::default()
    })
    .await
    .unwrap();
    let endpoints = watcher.endpoints();
    let shutdown = tokio::spawn(running.shutdown());
    // The key goes first, while the port still answers.
    eventually(Duration::from_secs(2), || endpoints.borrow().is_empty()).await;
    shutdown.await.unwrap().unwrap();
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "still accepting after shutdown"
    );
}

#[tokio::test]
async fn a_bound_wildcard_address_is_registered_as_a_dialable_one() {
    let etcd = Etcd::start();
    let mut conf = server_conf(&etcd, "wild.rpc");
    conf.listen_on = "0.0.0.0:0".into();
    let running = Server::new(conf).unwrap().bind().await.unwrap();
    let client = Client::new(&RpcClientConf::etcd([etcd.endpoint()], "wild.rpc"))
        .await
        .unwrap();
    let registered = client.endpoints();
    assert_eq!(registered.len(), 1);
    let addr: std::net::SocketAddr = registered[0].parse().unwrap();
    assert!(!addr.ip().is_unspecified());
    assert_eq!(addr.port(), running.local_addr().port());
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_registered_key_follows_a_re_registration() {
    let mut etcd = Etcd::start();
    let running = Server::new(server_conf(&etcd, "again.rpc"))
        .unwrap()
        .bind()
        .await
        .unwrap();
    let first = running.registered_key().unwrap();
    assert!(first.starts_with("again.rpc/"), "{first}");
    // etcd loses every key and lease: the server registers again under a new lease.
    etcd.restart_empty();
    eventually(Duration::from_secs(15), || {
        running.registered_key().is_some_and(|key| key != first)
    })
    .await;
    let now = running.registered_key().unwrap();
    let lease = now.strip_prefix("again.rpc/").unwrap();
    assert!(lease.parse::<i64>().is_ok(), "{now}");
    // And clients find it there.
    let client = Client::new(&RpcClientConf::etcd([etcd.endpoint()], "again.rpc"))
        .await
        .unwrap();
    assert_eq!(client.endpoints(), vec![running.local_addr().to_string()]);
    running.shutdown().await.unwrap();
}
