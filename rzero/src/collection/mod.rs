//! Small concurrent data structures shared by the resilience modules.

mod rolling_window;

pub use rolling_window::{Bucket, RollingWindow};
