use crate::conf::{ConfError, deserialize_duration};
use crate::devserver::{DevServerConf, PrometheusConf};
use crate::log::LogConf;
use crate::trace::TelemetryConf;
use serde::Deserialize;
use std::time::Duration;

pub use crate::conf::Mode;

/// Switches for each built-in middleware; all on by default, as in go-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MiddlewaresConf {
    pub trace: bool,
    pub log: bool,
    pub metrics: bool,
    pub max_conns: bool,
    pub breaker: bool,
    pub shedding: bool,
    pub timeout: bool,
    pub recover: bool,
    pub max_bytes: bool,
    pub gunzip: bool,
}

impl Default for MiddlewaresConf {
    fn default() -> Self {
        Self {
            trace: true,
            log: true,
            metrics: true,
            max_conns: true,
            breaker: true,
            shedding: true,
            timeout: true,
            recover: true,
            max_bytes: true,
            gunzip: true,
        }
    }
}

/// A REST server's settings with go-zero's defaults. Embed it under a key of the service's
/// config (generated services use `rest:`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RestConf {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub mode: Mode,
    pub log: LogConf,
    /// The longest a request may take before it is answered 503; 0 disables.
    #[serde(deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    /// Requests served at once before new ones get 503; 0 disables.
    pub max_conns: usize,
    /// The largest request body accepted (413 above it); 0 disables.
    pub max_bytes: u64,
    /// CPU usage in per mille (0..1000) above which adaptive shedding may act; 0 disables.
    pub cpu_threshold: u64,
    /// How long shutdown waits for in-flight requests before it stops anyway.
    #[serde(deserialize_with = "deserialize_duration")]
    pub shutdown_timeout: Duration,
    pub middlewares: MiddlewaresConf,
    pub prometheus: PrometheusConf,
    pub telemetry: TelemetryConf,
    pub dev_server: DevServerConf,
}

impl Default for RestConf {
    fn default() -> Self {
        Self {
            name: String::new(),
            host: "0.0.0.0".to_owned(),
            port: 8888,
            mode: Mode::Pro,
            log: LogConf::default(),
            timeout: Duration::from_millis(3000),
            max_conns: 10_000,
            max_bytes: 1 << 20,
            cpu_threshold: 900,
            shutdown_timeout: Duration::from_millis(5500),
            middlewares: MiddlewaresConf::default(),
            prometheus: PrometheusConf::default(),
            telemetry: TelemetryConf::default(),
            dev_server: DevServerConf::default(),
        }
    }
}

impl RestConf {
    /// Checks the rules serde cannot express. Keys are named relative to the `RestConf`.
    pub fn validate(&self) -> Result<(), ConfError> {
        if self.cpu_threshold >= 1000 {
            return Err(ConfError::rule(
                "cpu_threshold",
                format!(
                    "{} is out of range; expected 0 (off) to 999 per mille",
                    self.cpu_threshold
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.telemetry.sampler) {
            return Err(ConfError::rule(
                "telemetry.sampler",
                format!(
                    "{} is out of range; expected 0.0 to 1.0",
                    self.telemetry.sampler
                ),
            ));
        }
        for (key, path) in [
            ("dev_server.health_path", &self.dev_server.health_path),
            ("dev_server.metrics_path", &self.dev_server.metrics_path),
            ("prometheus.path", &self.prometheus.path),
        ] {
            if !path.starts_with('/') {
                return Err(ConfError::rule(
                    key,
                    format!("{path:?} must start with '/'"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::load_str;

    #[test]
    fn defaults_are_go_zeros() {
        let c: RestConf = load_str("r.yaml", "name: api\n").unwrap();
        assert_eq!(c.host, "0.0.0.0");
        assert_eq!(c.port, 8888);
        assert_eq!(c.timeout, Duration::from_secs(3));
        assert_eq!(c.max_conns, 10_000);
        assert_eq!(c.max_bytes, 1_048_576);
        assert_eq!(c.cpu_threshold, 900);
        assert_eq!(c.log.slow_threshold, Duration::from_millis(500));
        assert_eq!(c.prometheus.port, 9101);
        assert_eq!(c.dev_server.port, 6060);
        assert!(c.middlewares.breaker && c.middlewares.gunzip);
        c.validate().unwrap();
    }

    #[test]
    fn every_key_can_be_set() {
        let yaml = r#"
name: api
host: 127.0.0.1
port: 9000
mode: dev
log: { encoding: plain, level: debug, slow_threshold: 1s, mode: console }
timeout: 500ms
max_conns: 10
max_bytes: 2048
cpu_threshold: 800
shutdown_timeout: 2s
middlewares: { breaker: false, gunzip: false }
prometheus: { host: 127.0.0.1, port: 9102, path: /m }
telemetry: { name: api, sampler: 0.5 }
dev_server: { enabled: true, port: 6061 }
"#;
        let c: RestConf = load_str("r.yaml", yaml).unwrap();
        assert_eq!(c.mode, Mode::Dev);
        assert_eq!(c.timeout, Duration::from_millis(500));
        assert!(!c.middlewares.breaker && c.middlewares.shedding);
        assert_eq!(c.telemetry.sampler, 0.5);
        assert!(c.dev_server.enabled);
        c.validate().unwrap();
    }

    #[test]
    fn out_of_range_values_are_named() {
        let c: RestConf = load_str("r.yaml", "cpu_threshold: 1000\n").unwrap();
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("cpu_threshold"), "{err}");
        assert!(err.contains("expected 0 (off) to 999"), "{err}");
    }
}
