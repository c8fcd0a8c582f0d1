//! Client-side balancing over the instances discovery reports: one lazily connected tonic
//! channel per address, and per call a pick by p2c-EWMA (or round robin).
//!
//! Why not tower's `Balance`: it is not `Clone`, so a client shared by many tasks needs a
//! `Buffer` in front (a channel hop and a worker task per call), and its p2c keeps its own
//! load figures behind `&mut self`. Here the connection list sits behind a read lock and the
//! figures are atomics, so the client is a plain `Clone` service, every caller picks on its
//! own task, and the load it sees is the real one: latency measured per call and the calls
//! in flight on each connection (tonic's own balancer reports every connection's load as 0).

mod link;
mod p2c;

use super::conf::BalancerKind;
use crate::discov::Endpoints;
pub(crate) use link::ConnectFailed;
use link::{Connector, Link};
use p2c::Stats;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

/// One instance: its address, its channel, its load figures.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) addr: String,
    pub(crate) channel: Channel,
    stats: Stats,
    link: Arc<Link>,
}

/// The connections of one client, kept in step with discovery.
#[derive(Debug)]
pub(crate) struct Balancer {
    kind: BalancerKind,
    conns: RwLock<Vec<Arc<Conn>>>,
    next: AtomicUsize,
    follow: RwLock<Option<JoinHandle<()>>>,
    probe: RwLock<Option<JoinHandle<()>>>,
}

/// How often a down instance is probed, and how long a probe may take.
const PROBE_EVERY: Duration = Duration::from_millis(500);

/// A call's hold on a connection. Report the outcome with [`Picked::finish`]; dropped
/// without it (the caller gave up) the call counts as handled, as go-zero counts a
/// cancellation.
#[derive(Debug)]
pub(crate) struct Picked {
    pub(crate) conn: Arc<Conn>,
    /// Whether the balancer knows other instances, which a call could go to instead.
    pub(crate) alternatives: bool,
    started: u64,
    open: bool,
}

impl Picked {
    pub(crate) fn finish(mut self, ok: bool) {
        self.open = false;
        self.conn.stats.finish(self.started, p2c::now(), ok);
    }
}

impl Drop for Picked {
    fn drop(&mut self) {
        if self.open {
            self.conn.stats.finish(self.started, p2c::now(), true);
        }
    }
}

impl Balancer {
    /// A balancer following `endpoints`; connections are made lazily, on first call.
    pub(crate) fn follow(
        kind: BalancerKind,
        mut endpoints: watch::Receiver<Endpoints>,
        connect_timeout: Duration,
    ) -> Arc<Self> {
        let balancer = Arc::new(Self {
            kind,
            conns: RwLock::new(Vec::new()),
            next: AtomicUsize::new(0),
            follow: RwLock::new(None),
            probe: RwLock::new(None),
        });
        let current = endpoints.borrow_and_update().clone();
        balancer.update(&current, connect_timeout);
        let weak = Arc::downgrade(&balancer);
        let task = tokio::spawn(async move {
            while endpoints.changed().await.is_ok() {
                let Some(balancer) = weak.upgrade() else {
                    return;
                };
                let current = endpoints.borrow_and_update().clone();
                balancer.update(&current, connect_timeout);
            }
        });
        *balancer.follow.write() = Some(task);
        let weak = Arc::downgrade(&balancer);
        let probe = tokio::spawn(async move {
            let mut every = tokio::time::interval(PROBE_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(balancer) = weak.upgrade() else {
                    return;
                };
                let down: Vec<Arc<Conn>> = balancer
                    .conns
                    .read()
                    .iter()
                    .filter(|c| c.link.is_down())
                    .cloned()
                    .collect();
                drop(balancer);
                for conn in down {
                    if link::reachable(&conn.addr, connect_timeout.min(PROBE_EVERY)).await {
                        tracing::info!(addr = %conn.addr, "instance reachable again");
                        conn.link.revive();
                    }
                }
            }
        });
        *balancer.probe.write() = Some(probe);
        balancer
    }

    /// Keeps the connections of addresses still listed (with their figures), opens the new
    /// ones and drops the gone ones.
    fn update(&self, endpoints: &Endpoints, connect_timeout: Duration) {
        let existing: HashMap<String, Arc<Conn>> = self
            .conns
            .read()
            .iter()
            .map(|c| (c.addr.clone(), Arc::clone(c)))
            .collect();
        let mut fresh = Vec::with_capacity(endpoints.len());
        for addr in endpoints {
            if let Some(conn) = existing.get(addr) {
                fresh.push(Arc::clone(conn));
                continue;
            }
            let link = Arc::new(Link::default());
            match connect(addr, connect_timeout, &link) {
                Ok(channel) => fresh.push(Arc::new(Conn {
                    addr: addr.clone(),
                    channel,
                    stats: Stats::default(),
                    link,
                })),
                Err(err) => {
                    tracing::warn!(%addr, %err, "ignoring an instance with an unusable address")
                }
            }
        }
        *self.conns.write() = fresh;
    }

    /// The connection for the next call, or `None` when no instance is known. Instances
    /// whose connection is down are left out while any other is not (then the call fails
    /// fast against one of them, which is all there is to do).
    pub(crate) fn pick(&self) -> Option<Picked> {
        self.pick_except(&[])
    }

    /// As [`Balancer::pick`], among the instances a call has not been sent to yet: `None`
    /// when it has been sent to all.
    pub(crate) fn pick_except(&self, tried: &[Arc<Conn>]) -> Option<Picked> {
        let all = self.conns.read();
        let untried = |c: &&Arc<Conn>| !tried.iter().any(|t| Arc::ptr_eq(t, c));
        let live: Vec<&Arc<Conn>> = all
            .iter()
            .filter(untried)
            .filter(|c| !c.link.is_down())
            .collect();
        let conns: Vec<&Arc<Conn>> = if live.is_empty() {
            all.iter().filter(untried).collect()
        } else {
            live
        };
        let now = p2c::now();
        let chosen = match (self.kind, conns.len()) {
            (_, 0) => return None,
            (_, 1) => conns[0],
            (BalancerKind::RoundRobin, n) => conns[self.next.fetch_add(1, Ordering::Relaxed) % n],
            (BalancerKind::P2cEwma, 2) => {
                if p2c::choose_first(&conns[0].stats, &conns[1].stats, now) {
                    conns[0]
                } else {
                    conns[1]
                }
            }
            (BalancerKind::P2cEwma, n) => {
                let (a, b) = p2c::draw_pair(n, |i| conns[i].stats.healthy());
                if p2c::choose_first(&conns[a].stats, &conns[b].stats, now) {
                    conns[a]
                } else {
                    conns[b]
                }
            }
        };
        chosen.stats.start(now);
        Some(Picked {
            conn: Arc::clone(chosen),
            alternatives: all.len() > 1,
            started: now,
            open: true,
        })
    }

    /// Calls sent to each address so far, for tests and debugging.
    pub(crate) fn requests_by_addr(&self) -> Vec<(String, u64)> {
        self.conns
            .read()
            .iter()
            .map(|c| (c.addr.clone(), c.stats.requests()))
            .collect()
    }

    /// The addresses the balancer picks among now.
    pub(crate) fn addrs(&self) -> Vec<String> {
        self.conns.read().iter().map(|c| c.addr.clone()).collect()
    }

    /// The addresses among [`Self::addrs`] left out of picks until a probe reaches them.
    pub(crate) fn down_addrs(&self) -> Vec<String> {
        self.conns
            .read()
            .iter()
            .filter(|c| c.link.is_down())
            .map(|c| c.addr.clone())
            .collect()
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        if let Some(task) = self.follow.get_mut().take() {
            task.abort();
        }
        if let Some(task) = self.probe.get_mut().take() {
            task.abort();
        }
    }
}

fn connect(
    addr: &str,
    connect_timeout: Duration,
    link: &Arc<Link>,
) -> Result<Channel, tonic::transport::Error> {
    let uri = if addr.contains("://") {
        addr.to_owned()
    } else {
        format!("http://{addr}")
    };
    Ok(Endpoint::from_shared(uri)?
        .connect_timeout(connect_timeout)
        .http2_keep_alive_interval(Duration::from_secs(20))
        .keep_alive_while_idle(true)
        .connect_with_connector_lazy(Connector {
            link: Arc::clone(link),
        }))
}
