//! The bloom filter on a shared Redis bitmap: what one process adds, another finds.

use crate::support::{REDIS, unique};
use rzero::cache::{BitStore, BloomFilter, RedisStore};
use std::sync::Arc;
use std::time::Duration;

async fn redis_bits() -> Arc<dyn BitStore> {
    Arc::new(
        RedisStore::connect(REDIS, Duration::from_secs(1))
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn a_redis_bloom_filter_is_shared_and_sized_right() {
    let key = format!("{}:bloom", unique("bloom"));
    let writer = BloomFilter::for_items(redis_bits().await, &key, 10_000, 0.01).unwrap();
    let reader = BloomFilter::for_items(redis_bits().await, &key, 10_000, 0.01).unwrap();
    for id in 0..10_000u64 {
        writer.add(id.to_string().as_bytes()).await.unwrap();
    }
    for id in 0..10_000u64 {
        assert!(
            reader.contains(id.to_string().as_bytes()).await.unwrap(),
            "{id} was added"
        );
    }
    let mut false_positives = 0;
    for id in 1_000_000..1_020_000u64 {
        false_positives += usize::from(reader.contains(id.to_string().as_bytes()).await.unwrap());
    }
    // 1 % of 20,000 is 200 (sigma ~14).
    assert!(
        false_positives < 300,
        "{false_positives} false positives in 20,000"
    );

    let client = redis::Client::open(REDIS).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let bytes: usize = redis::cmd("STRLEN")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    redis::cmd("DEL")
        .arg(&key)
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    // Redis grows a bitmap to its highest set bit; 70,000 bits set leave none of the last 64
    // clear but with odds of e^-46.
    let bytes = bytes as u64;
    assert!(
        bytes <= writer.bits().div_ceil(8) && bytes * 8 + 64 >= writer.bits(),
        "a bitmap of {bytes} bytes for {} bits",
        writer.bits()
    );
}
