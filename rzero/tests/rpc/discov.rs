use crate::eventually;
use rzero::discov::{EtcdConf, Registration, Subscriber};
use std::time::Duration;
use testkit::Etcd;

fn conf(etcd: &Etcd, key: &str) -> EtcdConf {
    EtcdConf {
        hosts: vec![etcd.endpoint()],
        key: key.into(),
        ..EtcdConf::default()
    }
}

fn addrs(subscriber: &Subscriber) -> Vec<String> {
    subscriber.endpoints().borrow().iter().cloned().collect()
}

#[tokio::test]
async fn a_registration_is_seen_by_watchers_and_deleted_when_deregistered() {
    let etcd = Etcd::start();
    let conf = conf(&etcd, "user.rpc");
    let watcher = Subscriber::etcd(&conf).await.unwrap();
    assert!(addrs(&watcher).is_empty());

    let one = Registration::register(&conf, "10.0.0.1:8080".into())
        .await
        .unwrap();
    let two = Registration::register(&conf, "10.0.0.2:8080".into())
        .await
        .unwrap();
    assert_eq!(one.key(), format!("user.rpc/{}", one.lease_id()));
    assert_ne!(one.key(), two.key());
    eventually(Duration::from_secs(2), || addrs(&watcher).len() == 2).await;

    // A key sharing the prefix text but not the `/` is another service.
    let other = Registration::register(&conf_key(&etcd, "user.rpc2"), "10.0.0.9:1".into())
        .await
        .unwrap();
    let late = Subscriber::etcd(&conf).await.unwrap();
    assert_eq!(addrs(&late), ["10.0.0.1:8080", "10.0.0.2:8080"]);

    one.deregister().await;
    eventually(Duration::from_secs(2), || {
        addrs(&watcher) == ["10.0.0.2:8080"]
    })
    .await;
    two.deregister().await;
    other.deregister().await;
    eventually(Duration::from_secs(2), || addrs(&watcher).is_empty()).await;
}

fn conf_key(etcd: &Etcd, key: &str) -> EtcdConf {
    conf(etcd, key)
}

#[tokio::test]
async fn the_lease_is_kept_alive_past_its_ttl() {
    let etcd = Etcd::start();
    let conf = conf(&etcd, "kept.rpc");
    let registration = Registration::register(&conf, "10.0.0.1:1".into())
        .await
        .unwrap();
    tokio::time::sleep(rzero::discov::TTL + Duration::from_secs(2)).await;
    let watcher = Subscriber::etcd(&conf).await.unwrap();
    assert_eq!(addrs(&watcher), ["10.0.0.1:1"]);
    registration.deregister().await;
}

#[tokio::test]
async fn a_server_registers_again_after_etcd_restarts_and_watchers_resume() {
    let mut etcd = Etcd::start();
    let conf = conf(&etcd, "phoenix.rpc");
    let registration = Registration::register(&conf, "10.0.0.1:1".into())
        .await
        .unwrap();
    let watcher = Subscriber::etcd(&conf).await.unwrap();
    eventually(Duration::from_secs(2), || addrs(&watcher).len() == 1).await;

    // A restart that keeps the data: the key is there again (old lease or a new one).
    etcd.restart();
    eventually(Duration::from_secs(10), || {
        registration.lease_id() != 0 && addrs(&watcher) == ["10.0.0.1:1"]
    })
    .await;

    // A restart that loses every key and lease: the server must register again, and the
    // watcher, reading the prefix afresh, must see it.
    let before = registration.lease_id();
    let first_key = registration.key();
    etcd.restart_empty();
    eventually(Duration::from_secs(15), || {
        registration.lease_id() != before
    })
    .await;
    // The key it reports is the one it holds now, not the lost one.
    assert_eq!(
        registration.key(),
        format!("phoenix.rpc/{}", registration.lease_id())
    );
    assert_ne!(registration.key(), first_key);
    let fresh = Subscriber::etcd(&conf).await.unwrap();
    assert_eq!(addrs(&fresh), ["10.0.0.1:1"]);
    eventually(Duration::from_secs(5), || addrs(&watcher) == ["10.0.0.1:1"]).await;
    registration.deregister().await;
    eventually(Duration::from_secs(2), || addrs(&fresh).is_empty()).await;
}

#[tokio::test]
async fn an_unreachable_etcd_is_an_error_at_start() {
    let port = testkit::free_port();
    let conf = EtcdConf {
        hosts: vec![format!("127.0.0.1:{port}")],
        key: "nowhere.rpc".into(),
        ..EtcdConf::default()
    };
    let err = Registration::register(&conf, "10.0.0.1:1".into())
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&port.to_string()), "{err}");
    assert!(Subscriber::etcd(&conf).await.is_err());
    let bad = EtcdConf {
        key: "trailing/".into(),
        ..conf
    };
    assert!(
        Registration::register(&bad, "x".into())
            .await
            .unwrap_err()
            .to_string()
            .contains("must not end with `/`")
    );
}
