//! Reading a call's outcome off its response, shared by the server chain and the client.

use tonic::Code;

/// The gRPC status a response carries in its headers. A call that failed before sending
/// anything is "trailers-only": its `grpc-status` is a header. A call that answered carries
/// its status in the trailers, after the body; it counts as OK here because the interceptors
/// decide when the response starts (a streaming call that fails midway is not seen).
pub(crate) fn code_of<B>(response: &http::Response<B>) -> Code {
    response
        .headers()
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map_or(Code::Ok, Code::from_i32)
}

/// Whether a failure is the caller's business rather than a sign that the server is
/// unwell: go-zero's `codes.Acceptable`. The breaker and the balancer only count the others.
pub(crate) fn acceptable(code: Code) -> bool {
    !matches!(
        code,
        Code::DeadlineExceeded
            | Code::Internal
            | Code::Unavailable
            | Code::DataLoss
            | Code::Unimplemented
            | Code::ResourceExhausted
    )
}

/// A status as the response a server sends for it.
pub(crate) fn response(status: tonic::Status) -> http::Response<tonic::body::Body> {
    status.into_http()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_trailers_only_statuses() {
        let failed = response(tonic::Status::unavailable("down"));
        assert_eq!(code_of(&failed), Code::Unavailable);
        let answered = http::Response::new(());
        assert_eq!(code_of(&answered), Code::Ok);
    }

    #[test]
    fn server_faults_are_not_acceptable() {
        assert!(acceptable(Code::Ok));
        assert!(acceptable(Code::NotFound));
        assert!(acceptable(Code::InvalidArgument));
        assert!(!acceptable(Code::Unavailable));
        assert!(!acceptable(Code::DeadlineExceeded));
    }
}
