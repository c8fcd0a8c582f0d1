//! CPU usage in per mille (0..=1000) of what this process may use: its cgroup's quota when it
//! has one (a container limited to 2 cores at 100 % of both reads 1000), else the machine.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Where the shedder reads the CPU usage from. Tests and simulations inject readings through
/// [`FixedCpu`]; services use [`SystemCpu`].
pub trait CpuUsage: Send + Sync + std::fmt::Debug + 'static {
    /// Usage in per mille of the available CPU.
    fn usage(&self) -> u64;
}

/// A settable reading.
#[derive(Debug, Default)]
pub struct FixedCpu(AtomicU64);

impl FixedCpu {
    pub fn new(per_mille: u64) -> Self {
        Self(AtomicU64::new(per_mille))
    }

    pub fn set(&self, per_mille: u64) {
        self.0.store(per_mille, Ordering::Relaxed);
    }
}

impl CpuUsage for FixedCpu {
    fn usage(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

const SAMPLE_EVERY: Duration = Duration::from_millis(250);
const BETA: f64 = 0.95;

/// The process's real CPU usage, sampled every 250 ms on a background thread started by the
/// first reader, and smoothed with an exponential moving average (beta 0.95) so one busy
/// sample does not trigger shedding.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemCpu;

static USAGE: AtomicU64 = AtomicU64::new(0);

impl CpuUsage for SystemCpu {
    fn usage(&self) -> u64 {
        static STARTED: OnceLock<()> = OnceLock::new();
        STARTED.get_or_init(|| {
            let spawned = std::thread::Builder::new()
                .name("rzero-cpu".into())
                .spawn(sample_forever);
            if let Err(err) = spawned {
                tracing::warn!(%err, "cannot start the CPU sampler; shedding will see 0 % CPU");
            }
        });
        USAGE.load(Ordering::Relaxed)
    }
}

fn sample_forever() {
    let Some(source) = Source::detect() else {
        tracing::warn!("no readable CPU statistics (/proc/stat or cgroup); shedding sees 0 % CPU");
        return;
    };
    let mut avg = 0.0_f64;
    let mut previous = source.read();
    loop {
        std::thread::sleep(SAMPLE_EVERY);
        let current = source.read();
        if let (Some(prev), Some(cur)) = (previous, current) {
            let now = source.usage_between(prev, cur);
            avg = avg * BETA + now * (1.0 - BETA);
            USAGE.store(avg.round() as u64, Ordering::Relaxed);
        }
        previous = current;
    }
}

/// A cumulative CPU counter and the wall time it was read at.
#[derive(Debug, Clone, Copy)]
struct Reading {
    busy: f64,
    total: f64,
    at: Instant,
}

#[derive(Debug)]
enum Source {
    /// cgroup v2: `usage_usec` in `cpu.stat`, limited by `cpu.max`.
    CgroupV2 { stat: PathBuf, cores: f64 },
    /// cgroup v1: `cpuacct.usage` in nanoseconds, limited by the CFS quota.
    CgroupV1 { usage: PathBuf, cores: f64 },
    /// The whole machine from `/proc/stat`.
    Host,
}

impl Source {
    fn detect() -> Option<Self> {
        let host_cores = std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64);
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        if let Some(path) = own.lines().find_map(|l| l.strip_prefix("0::")) {
            let dir = Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/'));
            let stat = dir.join("cpu.stat");
            if read_cgroup_v2(&stat).is_some() {
                let cores = read_cpu_max(&dir.join("cpu.max")).unwrap_or(host_cores);
                return Some(Source::CgroupV2 {
                    stat,
                    cores: cores.min(host_cores),
                });
            }
        }
        let usage = PathBuf::from("/sys/fs/cgroup/cpuacct/cpuacct.usage");
        if read_number(&usage).is_some() {
            let quota = read_number(Path::new("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"));
            let period = read_number(Path::new("/sys/fs/cgroup/cpu/cpu.cfs_period_us"));
            let cores = match (quota, period) {
                (Some(q), Some(p)) if q > 0.0 && p > 0.0 => (q / p).min(host_cores),
                _ => host_cores,
            };
            return Some(Source::CgroupV1 { usage, cores });
        }
        read_proc_stat().map(|_| Source::Host)
    }

    fn read(&self) -> Option<Reading> {
        let at = Instant::now();
        match self {
            Source::CgroupV2 { stat, .. } => read_cgroup_v2(stat).map(|usec| Reading {
                busy: usec,
                total: 0.0,
                at,
            }),
            Source::CgroupV1 { usage, .. } => read_number(usage).map(|ns| Reading {
                busy: ns / 1000.0,
                total: 0.0,
                at,
            }),
            Source::Host => read_proc_stat().map(|(busy, total)| Reading { busy, total, at }),
        }
    }

    /// Per mille between two readings.
    fn usage_between(&self, prev: Reading, cur: Reading) -> f64 {
        let ratio = match self {
            Source::CgroupV2 { cores, .. } | Source::CgroupV1 { cores, .. } => {
                let wall_usec = cur.at.duration_since(prev.at).as_secs_f64() * 1e6;
                if wall_usec <= 0.0 {
                    return 0.0;
                }
                (cur.busy - prev.busy) / (wall_usec * cores)
            }
            Source::Host => {
                let total = cur.total - prev.total;
                if total <= 0.0 {
                    return 0.0;
                }
                (cur.busy - prev.busy) / total
            }
        };
        (ratio * 1000.0).clamp(0.0, 1000.0)
    }
}

fn read_number(path: &Path) -> Option<f64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn read_cgroup_v2(stat: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(stat).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("usage_usec "))
        .and_then(|v| v.trim().parse().ok())
}

/// `cpu.max` holds `"<quota> <period>"` or `"max <period>"`.
fn read_cpu_max(path: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut parts = text.split_whitespace();
    let quota: f64 = parts.next()?.parse().ok()?;
    let period: f64 = parts.next()?.parse().ok()?;
    (period > 0.0).then_some(quota / period)
}

/// `(busy, total)` jiffies of all CPUs.
fn read_proc_stat() -> Option<(f64, f64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let total: f64 = fields.iter().take(8).sum();
    let idle = fields.get(3).copied().unwrap_or(0.0) + fields.get(4).copied().unwrap_or(0.0);
    Some((total - idle, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_cpu_reports_what_was_set() {
        let cpu = FixedCpu::new(100);
        assert_eq!(cpu.usage(), 100);
        cpu.set(950);
        assert_eq!(cpu.usage(), 950);
    }

    #[test]
    fn this_machine_has_a_cpu_source() {
        let source = Source::detect();
        assert!(source.is_some(), "no CPU statistics on this Linux machine");
        let source = source.unwrap();
        let a = source.read().unwrap();
        // Burn a little CPU so the delta is not zero.
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let b = source.read().unwrap();
        let usage = source.usage_between(a, b);
        assert!((0.0..=1000.0).contains(&usage), "{usage}");
    }
}
