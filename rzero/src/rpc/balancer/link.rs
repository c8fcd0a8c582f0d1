//! What the balancer knows of each instance's connection, the way gRPC's connectivity
//! states tell grpc-go's picker which sub-connections are ready. tonic's `Channel` keeps its
//! connection state to itself, so the channel connects through [`Connector`], which reports
//! to the instance's [`Link`]: a refused connect, or a connection the server closed (an
//! instance killed, or shutting down), marks it down at once, and the balancer then picks
//! only the instances that are not down. Without this a dead instance stays in the pick
//! until its etcd lease expires (10 s), and, failing fast, looks the least loaded of all.

use futures_util::future::BoxFuture;
use hyper_util::rt::TokioIo;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tonic::codegen::http::Uri;

const IDLE: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

/// The connection state of one instance.
#[derive(Debug, Default)]
pub(crate) struct Link {
    state: AtomicU8,
}

impl Link {
    /// The last connect was refused, or the server closed the connection.
    pub(crate) fn is_down(&self) -> bool {
        self.state.load(Ordering::Relaxed) == DOWN
    }

    /// Worth trying again: a probe reached the instance.
    pub(crate) fn revive(&self) {
        let _ = self
            .state
            .compare_exchange(DOWN, IDLE, Ordering::Relaxed, Ordering::Relaxed);
    }

    fn set(&self, state: u8) {
        self.state.store(state, Ordering::Relaxed);
    }
}

/// A connect that failed. Its own type so that the client can tell, from the error a call
/// ends with, that the call never left this process and may go to another instance.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub(crate) struct ConnectFailed(io::Error);

/// Connects over TCP as tonic's own connector does, reporting to `link`.
#[derive(Debug, Clone)]
pub(crate) struct Connector {
    pub(crate) link: Arc<Link>,
}

impl tower::Service<Uri> for Connector {
    type Response = TokioIo<Watched>;
    type Error = ConnectFailed;
    type Future = BoxFuture<'static, Result<Self::Response, ConnectFailed>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectFailed>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let link = Arc::clone(&self.link);
        Box::pin(async move {
            let Some(authority) = uri.authority() else {
                return Err(ConnectFailed(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{uri}: no host"),
                )));
            };
            let addr = match authority.port_u16() {
                Some(_) => authority.as_str().to_owned(),
                None => format!("{}:80", authority.as_str()),
            };
            match TcpStream::connect(&addr).await {
                Ok(stream) => {
                    stream.set_nodelay(true).map_err(ConnectFailed)?;
                    link.set(UP);
                    Ok(TokioIo::new(Watched { stream, link }))
                }
                Err(err) => {
                    link.set(DOWN);
                    Err(ConnectFailed(err))
                }
            }
        })
    }
}

/// A connection that marks its instance down when the server closes it or it fails.
#[derive(Debug)]
pub(crate) struct Watched {
    stream: TcpStream,
    link: Arc<Link>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        match &polled {
            // End of stream: the server closed the connection.
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 => {
                self.link.set(DOWN);
            }
            Poll::Ready(Err(_)) => self.link.set(DOWN),
            _ => {}
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, data);
        if let Poll::Ready(Err(_)) = &polled {
            self.link.set(DOWN);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Err(_)) = &polled {
            self.link.set(DOWN);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        // Closed from this side (idle, client dropped): neither up nor known to be down.
        let _ = self
            .link
            .state
            .compare_exchange(UP, IDLE, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// Whether anything accepts connections at `addr` now; a probe of a down instance.
pub(crate) async fn reachable(addr: &str, timeout: std::time::Duration) -> bool {
    let addr = addr.split_once("://").map_or(addr, |(_, rest)| rest);
    matches!(
        tokio::time::timeout(timeout, TcpStream::connect(addr)).await,
        Ok(Ok(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::Service;

    #[tokio::test]
    async fn refused_connects_and_closed_connections_mark_the_link_down() {
        let link = Arc::new(Link::default());
        let mut connector = Connector {
            link: Arc::clone(&link),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let uri: Uri = format!("http://{addr}").parse().unwrap();

        let accept = tokio::spawn(async move { listener.accept().await.unwrap().0 });
        let mut conn = connector.call(uri.clone()).await.unwrap();
        assert!(!link.is_down());
        // The server goes away: the next read sees the end of the stream.
        drop(accept.await.unwrap());
        let mut buf = [0u8; 8];
        let mut read = ReadBuf::new(&mut buf);
        std::future::poll_fn(|cx| AsyncRead::poll_read(Pin::new(conn.inner_mut()), cx, &mut read))
            .await
            .unwrap();
        assert!(link.is_down());

        // Nothing listens any more: connects are refused and the link stays down.
        link.revive();
        assert!(!link.is_down());
        assert!(connector.call(uri).await.is_err());
        assert!(link.is_down());
        assert!(!reachable(&addr.to_string(), std::time::Duration::from_millis(200)).await);
    }
}
