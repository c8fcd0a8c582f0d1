//! User middlewares: what a `.api` file names with `@server(middleware: A, B)`. rzctl
//! generates a type implementing [`Middleware`] per name, created once for the user to fill.

use super::{Request, Response};
use futures_util::future::BoxFuture;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};

/// A middleware that sees the request before the handler and the response after it.
///
/// ```
/// use rzero::rest::{Middleware, Next, Request, Response};
///
/// struct Version;
///
/// impl Middleware for Version {
///     async fn handle(&self, request: Request, next: Next) -> Response {
///         let mut response = next.run(request).await;
///         response.headers_mut().insert("x-version", "1".parse().unwrap());
///         response
///     }
/// }
/// ```
pub trait Middleware: Send + Sync + 'static {
    fn handle(&self, request: Request, next: Next) -> impl Future<Output = Response> + Send;
}

/// The rest of the chain, ending in the handler.
#[derive(Clone)]
pub struct Next {
    inner: BoxCloneSyncService<Request, Response, Infallible>,
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Next")
    }
}

impl Next {
    pub async fn run(self, request: Request) -> Response {
        match self.inner.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

/// Object-safe form of [`Middleware`], so a group can hold different middleware types.
pub(crate) trait DynMiddleware: Send + Sync + 'static {
    fn call(&self, request: Request, next: Next) -> BoxFuture<'static, Response>;
}

struct Shared<M>(Arc<M>);

impl<M: Middleware> DynMiddleware for Shared<M> {
    fn call(&self, request: Request, next: Next) -> BoxFuture<'static, Response> {
        let middleware = self.0.clone();
        Box::pin(async move { middleware.handle(request, next).await })
    }
}

#[derive(Clone)]
pub(crate) struct UserMiddlewareLayer {
    middleware: Arc<dyn DynMiddleware>,
}

impl std::fmt::Debug for UserMiddlewareLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserMiddlewareLayer")
    }
}

impl UserMiddlewareLayer {
    pub(crate) fn new<M: Middleware>(middleware: Arc<M>) -> Self {
        Self {
            middleware: Arc::new(Shared(middleware)),
        }
    }
}

impl<S> Layer<S> for UserMiddlewareLayer
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    type Service = UserMiddleware;

    fn layer(&self, inner: S) -> Self::Service {
        UserMiddleware {
            middleware: self.middleware.clone(),
            next: Next {
                inner: BoxCloneSyncService::new(inner),
            },
        }
    }
}

#[derive(Clone)]
pub(crate) struct UserMiddleware {
    middleware: Arc<dyn DynMiddleware>,
    next: Next,
}

impl Service<Request> for UserMiddleware {
    type Response = Response;
    type Error = Infallible;
    type Future = futures_util::future::Map<
        BoxFuture<'static, Response>,
        fn(Response) -> Result<Response, Infallible>,
    >;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        use futures_util::FutureExt;
        self.middleware
            .call(request, self.next.clone())
            .map(Ok as fn(Response) -> Result<Response, Infallible>)
    }
}
