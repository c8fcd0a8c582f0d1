//! Business keys on the real Redis: counters with an absolute expiry, values taken once.

use crate::support::{REDIS, unique};
use rzero::kv::KvConf;
use std::time::{Duration, SystemTime};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_counters_and_one_time_values() {
    let kv = KvConf {
        redis: REDIS.to_owned(),
        ..KvConf::default()
    }
    .build()
    .await
    .unwrap();
    let prefix = unique("kv");
    let (counter, code) = (format!("{prefix}#count"), format!("{prefix}#code"));

    let at = SystemTime::now() + Duration::from_secs(3600);
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (kv, counter) = (kv.clone(), counter.clone());
            tokio::spawn(async move { kv.incr_expire_at(&counter, at).await.unwrap() })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=100).collect::<Vec<_>>());
    let ttl = kv.ttl(&counter).await.unwrap().unwrap();
    assert!(ttl > Duration::from_secs(3590), "{ttl:?}");

    kv.set_ex(&code, "123456", Duration::from_secs(60))
        .await
        .unwrap();
    assert!(!kv.take_if(&code, "000000").await.unwrap());
    let takers: Vec<_> = (0..20)
        .map(|_| {
            let (kv, code) = (kv.clone(), code.clone());
            tokio::spawn(async move { kv.take_if(&code, "123456").await.unwrap() })
        })
        .collect();
    let mut taken = 0;
    for taker in takers {
        taken += usize::from(taker.await.unwrap());
    }
    assert_eq!(taken, 1, "a code is consumed once");
    assert_eq!(kv.get(&code).await.unwrap(), None);

    kv.del(&counter).await.unwrap();
    assert_eq!(kv.get(&counter).await.unwrap(), None);
}
