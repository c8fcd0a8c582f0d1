//! Concurrency helpers: go-zero's `core/syncx` in Rust.

mod single_flight;

pub use single_flight::SingleFlight;
