//! Adaptive load shedding, after go-zero's `core/load`: when the CPU is hot (or was hot within
//! the last second) and more requests are in flight than the service has shown it can finish
//! (max passes per bucket x min response time), new requests are refused at once instead of
//! queueing until every request times out.

mod cpu;
mod shedder;

pub use cpu::{CpuUsage, FixedCpu, SystemCpu};
pub use shedder::{AdaptiveShedder, Overloaded, ShedPromise};
