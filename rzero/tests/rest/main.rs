//! The REST server over real HTTP on loopback: each middleware shown working by requests
//! against a bound port.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod bind;
mod chain;
mod conf;
mod jwt;
mod support;
mod switches;
