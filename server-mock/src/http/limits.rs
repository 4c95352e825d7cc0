//! Request bodies from clients that may never finish them: a declared length past the route's
//! limit is refused at once (413) before a byte is read, and a body that pauses longer than the
//! read timeout ends the request with a 408. Both close the connection.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONNECTION, CONTENT_LENGTH};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::Frame;
use tokio::time::Sleep;

use crate::domain::media::MAX_MEDIA_BYTES;
use crate::error::ApiError;
use crate::http::body::MAX_BODY_BYTES;
use crate::state::AppState;

/// The largest body a route reads: media content has its own limit, everything else is JSON.
pub fn body_limit(method: &Method, path: &str) -> u64 {
    if method == Method::PUT && path.starts_with("/v1/media/upload/") {
        MAX_MEDIA_BYTES as u64
    } else {
        MAX_BODY_BYTES as u64
    }
}

/// The error a request body pausing too long ends with.
#[derive(Debug)]
pub struct BodyTimeout(pub Duration);

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body paused for more than {} ms",
            self.0.as_millis()
        )
    }
}

impl std::error::Error for BodyTimeout {}

/// A request body whose reader fails with [`BodyTimeout`] when no piece arrives in time.
struct TimedBody {
    inner: Body,
    pause: Duration,
    timer: Option<Pin<Box<Sleep>>>,
}

impl hyper::body::Body for TimedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.timer = None;
                Poll::Ready(frame)
            }
            Poll::Pending => {
                let pause = this.pause;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(pause)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(BodyTimeout(pause))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// Whether a body read failed because the client paused (rather than sent too much).
pub fn is_timeout(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = source {
        if current.is::<BodyTimeout>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// The answer to a body that paused too long: 408, and the connection is closed.
pub fn timeout_error(read_timeout: Duration) -> ApiError {
    let mut error = ApiError::new(
        408,
        "request_timeout",
        format!(
            "the request body paused for more than {} ms; send it without long pauses",
            read_timeout.as_millis()
        ),
    );
    error.headers.push(("connection".into(), "close".into()));
    error
}

/// The answer to a body read that failed: 408 after a pause, else 413 past `limit` bytes.
pub fn read_error(err: &axum::Error, read_timeout: Duration, limit: usize) -> ApiError {
    if is_timeout(err) {
        return timeout_error(read_timeout);
    }
    too_large(limit as u64)
}

fn too_large(limit: u64) -> ApiError {
    let mut error = ApiError::new(
        413,
        "payload_too_large",
        format!("the request body exceeds {limit} bytes, the most this operation accepts"),
    )
    .with_details(serde_json::json!({"max_bytes": limit}));
    error.headers.push(("connection".into(), "close".into()));
    error
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = body_limit(req.method(), req.uri().path());
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return too_large(limit).into_response();
    }
    let (parts, body) = req.into_parts();
    let body = Body::new(TimedBody {
        inner: body,
        pause: state.settings.read_timeout,
        timer: None,
    });
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if response.status() == 408 {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
