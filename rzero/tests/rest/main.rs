//! The REST server over real HTTP on loopback: each middleware shown working by requests
//! against a bound port.

mod bind;
mod chain;
mod conf;
mod jwt;
mod support;
