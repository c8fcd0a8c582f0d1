//! Circuit breaking by Google SRE adaptive throttling (the "Handling Overload" chapter of the
//! SRE book), with go-zero's parameters: a 10 s window in 40 buckets, `k = 1.5`, protection 5.
//!
//! A request is dropped with probability
//! `max(0, (total - protection - k * accepts) / (total + 1))`, so a healthy backend sees no drops
//! and a failing one is shed gradually instead of being cut off at a threshold. One request is
//! let through when none has passed for a second, so recovery is noticed even under full load.
//!
//! The breaker knows nothing of HTTP or gRPC: the REST chain builds one per route
//! (`METHOD://path`) and the RPC layer one per method when they are set up, so the request
//! path never looks one up. [`Breakers`] is for application code that guards its own calls by
//! name, as go-zero's `breaker.Do(name, ...)` does.

mod google;
mod registry;

pub use google::{Breaker, BreakerOpen, Promise};
pub use registry::Breakers;
