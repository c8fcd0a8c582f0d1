//! A bloom filter over a bitmap, for penetration by keys that never exist: a lookup the
//! filter rules out needs neither the cache nor the database, and a flood of random ids
//! does not fill the cache with placeholders.
//!
//! The bitmap lives in Redis (`SETBIT`/`GETBIT` in one script, so that several services share
//! it and it survives restarts) or in process for the embedded mode. Positions come from two
//! seeded XXH3 hashes combined by double hashing (Kirsch and Mitzenmacher), which is as good
//! as k independent hashes and stable across builds and machines, as a shared bitmap needs.

use super::store::CacheError;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Redis bitmaps end at 2^32 bits (512 MiB).
pub const MAX_BITS: u64 = 1 << 32;

/// Where a filter's bits live.
pub trait BitStore: Send + Sync + std::fmt::Debug + 'static {
    /// Sets every bit at `offsets` of bitmap `key`.
    fn set_bits<'a>(
        &'a self,
        key: &'a str,
        offsets: &'a [u64],
    ) -> BoxFuture<'a, Result<(), CacheError>>;

    /// Whether every bit at `offsets` of bitmap `key` is set.
    fn all_set<'a>(
        &'a self,
        key: &'a str,
        offsets: &'a [u64],
    ) -> BoxFuture<'a, Result<bool, CacheError>>;
}

/// Why a filter could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BloomError {
    #[error("a bloom filter needs between 1 and {MAX_BITS} bits, got {0}")]
    Bits(u64),
    #[error("a bloom filter needs between 1 and 64 hashes, got {0}")]
    Hashes(u32),
    #[error("the false-positive rate must lie strictly between 0 and 1, got {0}")]
    Rate(f64),
    #[error("the expected number of items must be at least 1")]
    NoItems,
}

/// A bloom filter: `contains` is never false for an added item, and true for an item never
/// added with about the rate the filter was sized for.
#[derive(Debug, Clone)]
pub struct BloomFilter {
    store: Arc<dyn BitStore>,
    key: String,
    bits: u64,
    hashes: u32,
}

impl BloomFilter {
    /// A filter of `bits` bits and `hashes` positions per item, stored under `key`.
    pub fn new(
        store: Arc<dyn BitStore>,
        key: impl Into<String>,
        bits: u64,
        hashes: u32,
    ) -> Result<Self, BloomError> {
        if bits == 0 || bits > MAX_BITS {
            return Err(BloomError::Bits(bits));
        }
        if hashes == 0 || hashes > 64 {
            return Err(BloomError::Hashes(hashes));
        }
        Ok(Self {
            store,
            key: key.into(),
            bits,
            hashes,
        })
    }

    /// A filter sized for `items` items at false-positive rate `rate`:
    /// m = -n ln p / (ln 2)^2 bits and k = m/n ln 2 hashes.
    pub fn for_items(
        store: Arc<dyn BitStore>,
        key: impl Into<String>,
        items: u64,
        rate: f64,
    ) -> Result<Self, BloomError> {
        if items == 0 {
            return Err(BloomError::NoItems);
        }
        if !(rate > 0.0 && rate < 1.0) {
            return Err(BloomError::Rate(rate));
        }
        let ln2 = std::f64::consts::LN_2;
        let bits = (-(items as f64) * rate.ln() / (ln2 * ln2)).ceil();
        let bits = if bits >= MAX_BITS as f64 {
            MAX_BITS
        } else {
            (bits as u64).max(1)
        };
        let hashes = ((bits as f64 / items as f64) * ln2)
            .round()
            .clamp(1.0, 64.0) as u32;
        Self::new(store, key, bits, hashes)
    }

    pub fn bits(&self) -> u64 {
        self.bits
    }

    pub fn hashes(&self) -> u32 {
        self.hashes
    }

    pub async fn add(&self, item: &[u8]) -> Result<(), CacheError> {
        self.store.set_bits(&self.key, &self.offsets(item)).await
    }

    /// `false` means the item was certainly never added.
    pub async fn contains(&self, item: &[u8]) -> Result<bool, CacheError> {
        self.store.all_set(&self.key, &self.offsets(item)).await
    }

    fn offsets(&self, item: &[u8]) -> Vec<u64> {
        let h1 = xxhash_rust::xxh3::xxh3_64_with_seed(item, 0);
        // An odd step visits distinct positions even when `bits` is a power of two.
        let h2 = xxhash_rust::xxh3::xxh3_64_with_seed(item, 0x9e37_79b9_7f4a_7c15) | 1;
        (0..u64::from(self.hashes))
            .map(|i| h1.wrapping_add(i.wrapping_mul(h2)) % self.bits)
            .collect()
    }
}

/// In-process bitmaps for the embedded mode.
#[derive(Debug, Default)]
pub struct MemoryBits {
    maps: Mutex<HashMap<String, Vec<u64>>>,
}

impl MemoryBits {
    pub fn new() -> Self {
        Self::default()
    }

    fn with_maps<T>(&self, f: impl FnOnce(&mut HashMap<String, Vec<u64>>) -> T) -> T {
        // A panic while holding the lock leaves the bitmaps valid (bits are only ever set).
        let mut maps = self
            .maps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut maps)
    }
}

impl BitStore for MemoryBits {
    fn set_bits<'a>(
        &'a self,
        key: &'a str,
        offsets: &'a [u64],
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        self.with_maps(|maps| {
            let words = maps.entry(key.to_owned()).or_default();
            for &offset in offsets {
                let word = (offset / 64) as usize;
                if words.len() <= word {
                    words.resize(word + 1, 0);
                }
                words[word] |= 1 << (offset % 64);
            }
        });
        async { Ok(()) }.boxed()
    }

    fn all_set<'a>(
        &'a self,
        key: &'a str,
        offsets: &'a [u64],
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        let all = self.with_maps(|maps| {
            let words = maps.get(key).map(Vec::as_slice).unwrap_or_default();
            offsets.iter().all(|&offset| {
                words
                    .get((offset / 64) as usize)
                    .is_some_and(|w| w & (1 << (offset % 64)) != 0)
            })
        });
        async move { Ok(all) }.boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(items: u64, rate: f64) -> BloomFilter {
        BloomFilter::for_items(Arc::new(MemoryBits::new()), "test", items, rate).unwrap()
    }

    #[test]
    fn sizes_follow_the_textbook_formulas() {
        let f = filter(1_000_000, 0.01);
        // 9.585 bits per item and 7 hashes for 1 %.
        assert_eq!(f.bits(), 9_585_059);
        assert_eq!(f.hashes(), 7);
    }

    #[test]
    fn bad_sizes_are_refused() {
        let store: Arc<dyn BitStore> = Arc::new(MemoryBits::new());
        assert_eq!(
            BloomFilter::new(store.clone(), "k", 0, 3).unwrap_err(),
            BloomError::Bits(0)
        );
        assert_eq!(
            BloomFilter::new(store.clone(), "k", 8, 0).unwrap_err(),
            BloomError::Hashes(0)
        );
        assert_eq!(
            BloomFilter::for_items(store.clone(), "k", 10, 1.0).unwrap_err(),
            BloomError::Rate(1.0)
        );
        assert_eq!(
            BloomFilter::for_items(store, "k", 0, 0.1).unwrap_err(),
            BloomError::NoItems
        );
    }

    #[tokio::test]
    async fn added_items_are_found_and_others_mostly_not() {
        let f = filter(10_000, 0.01);
        for i in 0..10_000u32 {
            f.add(&i.to_be_bytes()).await.unwrap();
        }
        for i in 0..10_000u32 {
            assert!(f.contains(&i.to_be_bytes()).await.unwrap(), "{i} was added");
        }
        let mut false_positives = 0;
        for i in 10_000..110_000u32 {
            false_positives += usize::from(f.contains(&i.to_be_bytes()).await.unwrap());
        }
        // 1 % expected; 1.5 % leaves room for chance on 100,000 trials (sigma ~0.03 %).
        assert!(
            false_positives < 1_500,
            "{false_positives} false positives in 100,000"
        );
    }

    #[tokio::test]
    async fn filters_under_other_keys_are_independent() {
        let store: Arc<dyn BitStore> = Arc::new(MemoryBits::new());
        let a = BloomFilter::new(store.clone(), "a", 1024, 4).unwrap();
        let b = BloomFilter::new(store, "b", 1024, 4).unwrap();
        a.add(b"x").await.unwrap();
        assert!(a.contains(b"x").await.unwrap());
        assert!(!b.contains(b"x").await.unwrap());
    }
}
