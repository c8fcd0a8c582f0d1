use crate::conf::{ConfError, Mode, deserialize_duration};
use crate::devserver::{DevServerConf, PrometheusConf};
use crate::discov::EtcdConf;
use crate::log::LogConf;
use crate::trace::TelemetryConf;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Switches for each built-in server interceptor; all on by default, as in go-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerMiddlewaresConf {
    pub trace: bool,
    pub recover: bool,
    pub metrics: bool,
    pub breaker: bool,
    pub shedding: bool,
    pub timeout: bool,
}

impl Default for ServerMiddlewaresConf {
    fn default() -> Self {
        Self {
            trace: true,
            recover: true,
            metrics: true,
            breaker: true,
            shedding: true,
            timeout: true,
        }
    }
}

/// A timeout for one method instead of the server's, as go-zero's `MethodTimeouts`. It is
/// also the only timeout a streaming method gets (until its response starts).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodTimeout {
    /// `/package.Service/Method`
    pub full_method: String,
    #[serde(deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
}

/// App/token authentication: callers send `app` and `token` metadata, which must match a
/// configured pair (go-zero keeps the pairs in Redis; a config map covers the same need
/// without a Redis dependency, and the pairs can come from `${ENV}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConf {
    pub enabled: bool,
    /// app name -> token
    pub apps: BTreeMap<String, String>,
}

/// An RPC server's settings with go-zero's defaults (`zrpc.RpcServerConf`). Generated
/// services embed it under `rpc:`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RpcServerConf {
    pub name: String,
    /// `host:port` to listen on; port 0 picks a free port (tests).
    pub listen_on: String,
    pub mode: Mode,
    pub log: LogConf,
    /// Register in etcd under `etcd.key`; absent for a server clients reach directly.
    pub etcd: Option<EtcdConf>,
    /// The longest a unary call may take before it is answered `DEADLINE_EXCEEDED`; 0
    /// disables. Streaming calls are not limited by it (go-zero's timeout is unary only), only
    /// by their entry in `method_timeouts`.
    #[serde(deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    pub method_timeouts: Vec<MethodTimeout>,
    /// CPU usage in per mille (0..1000) above which adaptive shedding may act; 0 disables.
    pub cpu_threshold: u64,
    /// Serve `grpc.health.v1.Health`.
    pub health: bool,
    /// Serve gRPC reflection; on by default only in `mode: dev`.
    pub reflection: Option<bool>,
    pub auth: AuthConf,
    pub middlewares: ServerMiddlewaresConf,
    /// How long shutdown waits for in-flight calls before it stops anyway.
    #[serde(deserialize_with = "deserialize_duration")]
    pub shutdown_timeout: Duration,
    pub prometheus: PrometheusConf,
    pub telemetry: TelemetryConf,
    pub dev_server: DevServerConf,
}

impl Default for RpcServerConf {
    fn default() -> Self {
        Self {
            name: String::new(),
            listen_on: "0.0.0.0:8080".to_owned(),
            mode: Mode::Pro,
            log: LogConf::default(),
            etcd: None,
            timeout: Duration::from_millis(2000),
            method_timeouts: Vec::new(),
            cpu_threshold: 900,
            health: true,
            reflection: None,
            auth: AuthConf::default(),
            middlewares: ServerMiddlewaresConf::default(),
            shutdown_timeout: Duration::from_millis(5500),
            prometheus: PrometheusConf::default(),
            telemetry: TelemetryConf::default(),
            dev_server: DevServerConf::default(),
        }
    }
}

impl RpcServerConf {
    /// Checks the rules serde cannot express. Keys are named relative to the conf.
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
        for (i, m) in self.method_timeouts.iter().enumerate() {
            if !is_full_method(&m.full_method) {
                return Err(ConfError::rule(
                    format!("method_timeouts[{i}].full_method"),
                    format!(
                        "`{}` is not of the form /package.Service/Method",
                        m.full_method
                    ),
                ));
            }
        }
        if let Some(etcd) = &self.etcd {
            etcd.validate()
                .map_err(|e| ConfError::rule("etcd", e.to_string()))?;
        }
        if self.auth.enabled && self.auth.apps.is_empty() {
            return Err(ConfError::rule(
                "auth.apps",
                "auth is enabled but no app may call: add `app: token` pairs",
            ));
        }
        Ok(())
    }

    pub(crate) fn reflection_on(&self) -> bool {
        self.reflection.unwrap_or(self.mode == Mode::Dev)
    }
}

fn is_full_method(name: &str) -> bool {
    let mut parts = name.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(""), Some(service), Some(method), None) if !service.is_empty() && !method.is_empty()
    )
}

/// Switches for each built-in client interceptor; all on by default, as in go-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientMiddlewaresConf {
    pub trace: bool,
    pub metrics: bool,
    pub breaker: bool,
    pub timeout: bool,
}

impl Default for ClientMiddlewaresConf {
    fn default() -> Self {
        Self {
            trace: true,
            metrics: true,
            breaker: true,
            timeout: true,
        }
    }
}

/// How a client spreads calls over the instances it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalancerKind {
    /// go-zero's p2c with EWMA latency, in-flight calls and success rate.
    #[default]
    P2cEwma,
    /// Each instance in turn, blind to load (for comparison, or identical backends).
    RoundRobin,
}

/// An RPC client's settings (`zrpc.RpcClientConf`): where the service is (etcd or fixed
/// endpoints), how long calls may take, and the interceptors.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RpcClientConf {
    /// Find instances under `etcd.key`.
    pub etcd: Option<EtcdConf>,
    /// Or call these `host:port` addresses (the embedded mode, go-zero's direct client).
    pub endpoints: Vec<String>,
    /// Sent as `app`/`token` metadata to servers with auth on.
    pub app: String,
    pub token: String,
    /// The longest a unary call may take, also sent as `grpc-timeout`; 0 disables. Streaming
    /// calls (marked by [`StreamingCall`](super::StreamingCall)) get only the deadline the
    /// caller sets on the request.
    #[serde(deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    #[serde(deserialize_with = "deserialize_duration")]
    pub connect_timeout: Duration,
    pub balancer: BalancerKind,
    pub middlewares: ClientMiddlewaresConf,
}

impl Default for RpcClientConf {
    fn default() -> Self {
        Self {
            etcd: None,
            endpoints: Vec::new(),
            app: String::new(),
            token: String::new(),
            timeout: Duration::from_millis(2000),
            connect_timeout: Duration::from_secs(3),
            balancer: BalancerKind::P2cEwma,
            middlewares: ClientMiddlewaresConf::default(),
        }
    }
}

impl RpcClientConf {
    /// A client of fixed endpoints with defaults otherwise.
    pub fn endpoints(endpoints: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            endpoints: endpoints.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// A client of the instances under `key` in the etcd at `hosts`.
    pub fn etcd(
        hosts: impl IntoIterator<Item = impl Into<String>>,
        key: impl Into<String>,
    ) -> Self {
        Self {
            etcd: Some(EtcdConf {
                hosts: hosts.into_iter().map(Into::into).collect(),
                key: key.into(),
                ..EtcdConf::default()
            }),
            ..Self::default()
        }
    }

    pub fn validate(&self) -> Result<(), ConfError> {
        match (&self.etcd, self.endpoints.is_empty()) {
            (Some(_), false) => Err(ConfError::rule(
                "etcd",
                "set either etcd or endpoints, not both",
            )),
            (None, true) => Err(ConfError::rule(
                "endpoints",
                "no target: set etcd (hosts and key) or endpoints",
            )),
            (Some(etcd), true) => etcd
                .validate()
                .map_err(|e| ConfError::rule("etcd", e.to_string())),
            (None, false) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_method_names_are_checked() {
        assert!(is_full_method("/greet.Greeter/SayHello"));
        for bad in [
            "greet.Greeter/SayHello",
            "/greet.Greeter",
            "//SayHello",
            "/a/b/c",
        ] {
            assert!(!is_full_method(bad), "{bad}");
        }
        let conf = RpcServerConf {
            method_timeouts: vec![MethodTimeout {
                full_method: "SayHello".into(),
                timeout: Duration::from_secs(1),
            }],
            ..RpcServerConf::default()
        };
        let err = conf.validate().unwrap_err().to_string();
        assert!(err.contains("method_timeouts[0].full_method"), "{err}");
    }

    #[test]
    fn a_client_needs_exactly_one_target() {
        assert!(RpcClientConf::default().validate().is_err());
        assert!(RpcClientConf::endpoints(["127.0.0.1:1"]).validate().is_ok());
        let mut both = RpcClientConf::etcd(["127.0.0.1:2379"], "user.rpc");
        assert!(both.validate().is_ok());
        both.endpoints.push("127.0.0.1:1".into());
        assert!(both.validate().is_err());
    }

    #[test]
    fn config_reads_with_go_zero_defaults() {
        let conf: RpcServerConf = crate::conf::load_str(
            "test.yaml",
            "listen_on: 127.0.0.1:9000\netcd:\n  hosts: [127.0.0.1:2379]\n  key: user.rpc\nmethod_timeouts:\n  - full_method: /user.User/Slow\n    timeout: 5s\n",
        )
        .unwrap();
        assert_eq!(conf.timeout, Duration::from_secs(2));
        assert_eq!(conf.cpu_threshold, 900);
        assert_eq!(conf.method_timeouts[0].timeout, Duration::from_secs(5));
        assert_eq!(conf.etcd.unwrap().key, "user.rpc");
    }
}
