//! rzero: the runtime that `rzctl`-generated services stand on.

pub mod breaker;
pub mod collection;
pub mod conf;
pub mod load;
mod timex;
