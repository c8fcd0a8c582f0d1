//! The future shared by middlewares that either answer at once (a 503 from an open breaker)
//! or wait for the inner service and then act on its response (count it, log it, release a
//! slot). Writing it once keeps each middleware to its decision.

use super::Response;
use axum::response::IntoResponse;
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What a middleware does when the inner response is ready. Dropping the guard without a
/// response (the client went away) is the guard's own `Drop` business.
pub(crate) trait OnResponse: Send + 'static {
    fn on_response(self, response: &mut Response);
}

impl OnResponse for () {
    fn on_response(self, _: &mut Response) {}
}

pin_project! {
    #[project = OutcomeProj]
    pub(crate) enum Outcome<F, G> {
        Running { #[pin] future: F, guard: Option<G> },
        Answered { response: Option<Response> },
    }
}

impl<F, G> Outcome<F, G> {
    pub(crate) fn running(future: F, guard: G) -> Self {
        Outcome::Running {
            future,
            guard: Some(guard),
        }
    }

    pub(crate) fn answered(response: Response) -> Self {
        Outcome::Answered {
            response: Some(response),
        }
    }
}

impl<F, G> Future for Outcome<F, G>
where
    F: Future<Output = Result<Response, Infallible>>,
    G: OnResponse,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            OutcomeProj::Running { future, guard } => {
                let Ok(mut response) = std::task::ready!(future.poll(cx));
                if let Some(guard) = guard.take() {
                    guard.on_response(&mut response);
                }
                Poll::Ready(Ok(response))
            }
            // A second poll after completion would find `None`; answer it rather than panic.
            OutcomeProj::Answered { response } => {
                Poll::Ready(Ok(response.take().unwrap_or_else(|| {
                    IntoResponse::into_response(http::StatusCode::INTERNAL_SERVER_ERROR)
                })))
            }
        }
    }
}
