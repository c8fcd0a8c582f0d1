//! Single flight: concurrent callers asking for the same key share one execution of the work
//! (go-zero's `syncx.SingleFlight`). It is what keeps a cache miss on a hot key from sending
//! every waiting request to the database at once (cache breakdown).

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

type Flight<V> = Shared<BoxFuture<'static, V>>;

/// Deduplicates concurrent work by key. `V` is cloned to every caller of a flight, so make it
/// cheap to clone (an `Arc`, or a `Result` of small values).
pub struct SingleFlight<K, V> {
    flights: Arc<Mutex<HashMap<K, Flight<V>>>>,
}

impl<K, V> Default for SingleFlight<K, V> {
    fn default() -> Self {
        Self {
            flights: Arc::new(Mutex::new(HashMap::new())),
        }
    }
}

impl<K, V> std::fmt::Debug for SingleFlight<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SingleFlight")
            .field("in_flight", &self.flights.lock().len())
            .finish()
    }
}

impl<K, V> SingleFlight<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `work` for `key` unless a run for the same key is under way, in which case the
    /// caller waits for that run's result instead. The second value tells whether this
    /// caller's `work` was the one that ran.
    ///
    /// The work runs as its own task, so a caller that goes away does not cancel it for the
    /// others who wait.
    pub async fn run<F>(&self, key: K, work: F) -> (V, bool)
    where
        F: Future<Output = V> + Send + 'static,
    {
        let (flight, leader) = {
            let mut flights = self.flights.lock();
            match flights.get(&key) {
                Some(flight) => (flight.clone(), false),
                None => {
                    let registry = Arc::clone(&self.flights);
                    let done_key = key.clone();
                    let task = tokio::spawn(work);
                    let flight: BoxFuture<'static, V> = Box::pin(async move {
                        let value = match task.await {
                            Ok(value) => value,
                            // The work panicked: let every waiter see the panic.
                            Err(err) => std::panic::resume_unwind(err.into_panic()),
                        };
                        registry.lock().remove(&done_key);
                        value
                    });
                    let flight = flight.shared();
                    flights.insert(key, flight.clone());
                    (flight, true)
                }
            }
        };
        (flight.await, leader)
    }

    /// How many keys have work under way.
    pub fn in_flight(&self) -> usize {
        self.flights.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_callers_share_one_run() {
        let flights: Arc<SingleFlight<String, u64>> = Arc::new(SingleFlight::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let flights = flights.clone();
            let runs = runs.clone();
            tasks.push(tokio::spawn(async move {
                flights
                    .run("hot".to_owned(), async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        42
                    })
                    .await
            }));
        }
        let mut leaders = 0;
        for task in tasks {
            let (value, leader) = task.await.unwrap();
            assert_eq!(value, 42);
            leaders += usize::from(leader);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(leaders, 1);
        assert_eq!(flights.in_flight(), 0);
    }

    #[tokio::test]
    async fn different_keys_and_later_calls_run_again() {
        let flights: SingleFlight<u32, u32> = SingleFlight::new();
        assert_eq!(flights.run(1, async { 10 }).await, (10, true));
        assert_eq!(flights.run(2, async { 20 }).await, (20, true));
        assert_eq!(flights.run(1, async { 11 }).await, (11, true));
    }

    #[tokio::test]
    async fn an_abandoned_leader_does_not_cancel_the_followers() {
        let flights: Arc<SingleFlight<u32, u32>> = Arc::new(SingleFlight::new());
        let leader = {
            let flights = flights.clone();
            tokio::spawn(async move {
                flights
                    .run(7, async {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        70
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let follower = {
            let flights = flights.clone();
            tokio::spawn(async move { flights.run(7, async { 0 }).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        leader.abort();
        assert_eq!(follower.await.unwrap(), (70, false));
    }
}
