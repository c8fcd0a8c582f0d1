//! A small etcd v3 client over tonic: ranges, puts, leases, keep-alive and watch streams,
//! which is all registration and discovery need.

mod pb;

pub(crate) use pb::{EVENT_DELETE, LeaseKeepAliveResponse, WatchResponse};

use super::EtcdConf;
use http::uri::PathAndQuery;
use prost::Message;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status, Streaming};

/// How long one unary call may take: etcd answers in milliseconds when it is up, and a
/// call to a member that is down must fail rather than wait for it.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Why an etcd call failed.
#[derive(Debug, thiserror::Error)]
pub enum EtcdError {
    #[error("invalid endpoint `{0}`")]
    Endpoint(String),
    #[error("{}", .0.message())]
    Status(#[from] Status),
    #[error("no answer within {} s", CALL_TIMEOUT.as_secs())]
    Timeout,
    #[error("{0}")]
    Refused(String),
}

#[derive(Debug, Clone)]
pub(crate) struct EtcdClient {
    channel: Channel,
    token: Option<MetadataValue<tonic::metadata::Ascii>>,
}

/// `key` to the end of its prefix range: the key with its last byte below 0xff bumped, as
/// etcd's `clientv3.GetPrefixRangeEnd`.
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    // All 0xff (or empty): the range runs to the end of the keyspace.
    vec![0]
}

impl EtcdClient {
    /// A client of the cluster at `conf.hosts`. Connections are made on first call; with
    /// several hosts, calls are spread over the ones that answer.
    pub(crate) async fn connect(conf: &EtcdConf) -> Result<Self, EtcdError> {
        let mut endpoints = Vec::with_capacity(conf.hosts.len());
        for host in &conf.hosts {
            let uri = if host.contains("://") {
                host.clone()
            } else {
                format!("http://{host}")
            };
            let endpoint = Endpoint::from_shared(uri)
                .map_err(|_| EtcdError::Endpoint(host.clone()))?
                .connect_timeout(Duration::from_secs(3))
                .tcp_nodelay(true)
                // A dead member is noticed by HTTP/2 pings rather than by a hung watch.
                .http2_keep_alive_interval(Duration::from_secs(5))
                .keep_alive_timeout(Duration::from_secs(3))
                .keep_alive_while_idle(true);
            endpoints.push(endpoint);
        }
        let channel = match endpoints.as_slice() {
            [one] => one.connect_lazy(),
            _ => Channel::balance_list(endpoints.into_iter()),
        };
        let mut client = Self {
            channel,
            token: None,
        };
        if !conf.user.is_empty() {
            let answer: pb::AuthenticateResponse = client
                .unary(
                    "/etcdserverpb.Auth/Authenticate",
                    pb::AuthenticateRequest {
                        name: conf.user.clone(),
                        password: conf.pass.clone(),
                    },
                )
                .await?;
            client.token = Some(
                answer
                    .token
                    .parse()
                    .map_err(|_| EtcdError::Refused("etcd sent an unusable auth token".into()))?,
            );
        }
        Ok(client)
    }

    fn request<T>(&self, message: T) -> Request<T> {
        let mut request = Request::new(message);
        if let Some(token) = &self.token {
            request.metadata_mut().insert("token", token.clone());
        }
        request
    }

    async fn unary<Req, Resp>(
        &mut self,
        path: &'static str,
        message: Req,
    ) -> Result<Resp, EtcdError>
    where
        Req: Message + Send + Sync + 'static,
        Resp: Message + Default + Send + Sync + 'static,
    {
        let request = self.request(message);
        let mut grpc = tonic::client::Grpc::new(self.channel.clone());
        let call = async move {
            grpc.ready()
                .await
                .map_err(|e| Status::unavailable(e.to_string()))?;
            grpc.unary(
                request,
                PathAndQuery::from_static(path),
                tonic_prost::ProstCodec::default(),
            )
            .await
        };
        match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(answer) => Ok(answer?.into_inner()),
            Err(_) => Err(EtcdError::Timeout),
        }
    }

    async fn stream<Req, Resp>(
        &mut self,
        path: &'static str,
        first: Req,
    ) -> Result<(mpsc::Sender<Req>, Streaming<Resp>), EtcdError>
    where
        Req: Message + Send + Sync + 'static,
        Resp: Message + Default + Send + Sync + 'static,
    {
        let (tx, rx) = mpsc::channel(4);
        tx.send(first)
            .await
            .map_err(|_| EtcdError::Refused("request stream closed".into()))?;
        let request = self.request(ReceiverStream::new(rx));
        let mut grpc = tonic::client::Grpc::new(self.channel.clone());
        let call = async move {
            grpc.ready()
                .await
                .map_err(|e| Status::unavailable(e.to_string()))?;
            grpc.streaming(
                request,
                PathAndQuery::from_static(path),
                tonic_prost::ProstCodec::default(),
            )
            .await
        };
        match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(answer) => Ok((tx, answer?.into_inner())),
            Err(_) => Err(EtcdError::Timeout),
        }
    }

    /// Every key under `prefix` with its value, and the revision they were read at.
    pub(crate) async fn get_prefix(
        &mut self,
        prefix: &str,
    ) -> Result<(Vec<(String, String)>, i64), EtcdError> {
        let answer: pb::RangeResponse = self
            .unary(
                "/etcdserverpb.KV/Range",
                pb::RangeRequest {
                    key: prefix.as_bytes().to_vec(),
                    range_end: prefix_end(prefix.as_bytes()),
                },
            )
            .await?;
        let revision = answer.header.map_or(0, |h| h.revision);
        let pairs = answer
            .kvs
            .into_iter()
            .filter_map(|kv| {
                Some((
                    String::from_utf8(kv.key).ok()?,
                    String::from_utf8(kv.value).ok()?,
                ))
            })
            .collect();
        Ok((pairs, revision))
    }

    /// A new lease of `ttl` seconds.
    pub(crate) async fn grant(&mut self, ttl: i64) -> Result<i64, EtcdError> {
        let answer: pb::LeaseGrantResponse = self
            .unary(
                "/etcdserverpb.Lease/LeaseGrant",
                pb::LeaseGrantRequest { ttl, id: 0 },
            )
            .await?;
        if !answer.error.is_empty() {
            return Err(EtcdError::Refused(answer.error));
        }
        Ok(answer.id)
    }

    pub(crate) async fn put(
        &mut self,
        key: &str,
        value: &str,
        lease: i64,
    ) -> Result<(), EtcdError> {
        let _: pb::PutResponse = self
            .unary(
                "/etcdserverpb.KV/Put",
                pb::PutRequest {
                    key: key.as_bytes().to_vec(),
                    value: value.as_bytes().to_vec(),
                    lease,
                },
            )
            .await?;
        Ok(())
    }

    /// Ends a lease; etcd deletes every key attached to it.
    pub(crate) async fn revoke(&mut self, lease: i64) -> Result<(), EtcdError> {
        let _: pb::LeaseRevokeResponse = self
            .unary(
                "/etcdserverpb.Lease/LeaseRevoke",
                pb::LeaseRevokeRequest { id: lease },
            )
            .await?;
        Ok(())
    }

    /// Opens a keep-alive stream for `lease` (the first refresh is sent at once).
    pub(crate) async fn keep_alive(&mut self, lease: i64) -> Result<KeepAlive, EtcdError> {
        let (tx, answers) = self
            .stream(
                "/etcdserverpb.Lease/LeaseKeepAlive",
                pb::LeaseKeepAliveRequest { id: lease },
            )
            .await?;
        Ok(KeepAlive { lease, tx, answers })
    }

    /// Watches every key under `prefix` from `start_revision` on.
    pub(crate) async fn watch_prefix(
        &mut self,
        prefix: &str,
        start_revision: i64,
    ) -> Result<Watch, EtcdError> {
        let create = pb::WatchCreateRequest {
            key: prefix.as_bytes().to_vec(),
            range_end: prefix_end(prefix.as_bytes()),
            start_revision,
        };
        let (tx, events) = self
            .stream(
                "/etcdserverpb.Watch/Watch",
                pb::WatchRequest {
                    create_request: Some(create),
                },
            )
            .await?;
        Ok(Watch { _tx: tx, events })
    }
}

/// A lease's keep-alive stream.
#[derive(Debug)]
pub(crate) struct KeepAlive {
    lease: i64,
    tx: mpsc::Sender<pb::LeaseKeepAliveRequest>,
    pub(crate) answers: Streaming<LeaseKeepAliveResponse>,
}

impl KeepAlive {
    /// Sends one refresh; the answer arrives on `answers`.
    pub(crate) async fn refresh(&self) -> Result<(), EtcdError> {
        self.tx
            .send(pb::LeaseKeepAliveRequest { id: self.lease })
            .await
            .map_err(|_| EtcdError::Refused("keep-alive stream closed".into()))
    }
}

/// A watch stream; dropping it cancels the watch.
#[derive(Debug)]
pub(crate) struct Watch {
    /// Held open: closing the request side would end the watch.
    _tx: mpsc::Sender<pb::WatchRequest>,
    pub(crate) events: Streaming<WatchResponse>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_end_after_the_last_key_of_the_prefix() {
        assert_eq!(prefix_end(b"user.rpc/"), b"user.rpc0".to_vec());
        assert_eq!(prefix_end(b"a\xff"), b"b".to_vec());
        assert_eq!(prefix_end(b"\xff"), vec![0]);
    }
}
