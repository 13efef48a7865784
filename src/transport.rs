//! The guards between the wire and the service.
//!
//! tower-lsp-server reads stdin through a `FramedRead`, which ends the
//! stream after the first decoding error: one malformed frame (bad JSON, a
//! missing or unparsable `Content-Length`) used to make the server exit.
//! `serve` therefore frames stdin itself, answers a malformed frame with a
//! JSON-RPC error, skips to the next header and forwards only messages that
//! the library is known to accept (re-serialized from its own types).
//! Everything reaches stdout as whole frames through one writer.
//!
//! `CatchPanic` wraps the service. It is the one place where panics are
//! caught: a panic in a handler (or in work a handler resumed, see
//! `server/work.rs`) becomes an `InternalError` response instead of
//! tearing down the server. It also closes the library's conformance gaps:
//! - a request whose method starts with `$/` and that the server does not
//!   know is answered with `MethodNotFound` (the library answers nothing);
//! - after `shutdown`, the next message waits until the shutdown is
//!   answered: an `exit` in the same write (as Helix sends) would otherwise
//!   cancel it, and the client would see -32800 instead of `null`;
//! - it records whether `exit` came after `shutdown`, so that the process
//!   can exit with status 1 when it did not (`serve` returns an `Ending`).

use std::future::Future;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use futures::FutureExt as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Id, Request, Response};
use tower_service::Service;
use tracing::{error, warn};

/// A header block longer than this is not a header.
const MAX_HEADER: usize = 8 * 1024;
/// A declared body longer than this is refused.
const MAX_BODY: usize = 1 << 30;
const HEADER_NAME: &[u8] = b"Content-Length";

/// What the front of a byte buffer holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// Not enough bytes to decide yet.
    Incomplete,
    /// A whole message whose body is `body`; the frame ends at `consumed`.
    Message { body: Range<usize>, consumed: usize },
    /// `consumed` bytes that are not a frame, and why.
    Garbage { consumed: usize, reason: String },
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|at| at + from)
}

/// The declared body length of a header block (without its blank line).
fn content_length(header: &[u8]) -> Result<usize, String> {
    let mut length = None;
    for line in header.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err("a header line without a colon".to_owned());
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.trim_ascii().eq_ignore_ascii_case(HEADER_NAME) {
            let value = std::str::from_utf8(value.trim_ascii())
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|&n| n <= MAX_BODY)
                .ok_or_else(|| "an invalid Content-Length".to_owned())?;
            length = Some(value);
        }
    }
    length.ok_or_else(|| "no Content-Length header".to_owned())
}

/// Splits the next frame off the front of `buf`.
#[must_use]
pub fn next_frame(buf: &[u8]) -> Frame {
    if buf.is_empty() {
        return Frame::Incomplete;
    }
    // Skip to the next header when this one cannot be a frame.
    let garbage = |end: usize, reason: &str| Frame::Garbage {
        consumed: find(buf, HEADER_NAME, 1).unwrap_or(end),
        reason: reason.to_owned(),
    };
    let Some(header_end) = find(buf, b"\r\n\r\n", 0) else {
        if buf.len() > MAX_HEADER {
            return garbage(buf.len(), "a header block without an end");
        }
        return Frame::Incomplete;
    };
    if header_end > MAX_HEADER {
        return garbage(header_end + 4, "an overlong header block");
    }
    match content_length(&buf[..header_end]) {
        Ok(length) => {
            let start = header_end + 4;
            if buf.len() - start < length {
                return Frame::Incomplete;
            }
            Frame::Message {
                body: start..start + length,
                consumed: start + length,
            }
        }
        Err(reason) => garbage(header_end + 4, &reason),
    }
}

/// The message to forward for a body, re-serialized from the library's own
/// types, or the error response to send back instead.
pub fn check_body(body: &[u8]) -> Result<Vec<u8>, Response> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| Response::from_error(Id::Null, Error::parse_error()))?;
    // The library tries a response first, then a request.
    let forwarded = match serde_json::from_value::<Response>(value.clone()) {
        Ok(response) => serde_json::to_vec(&response),
        Err(_) => match serde_json::from_value::<Request>(value.clone()) {
            Ok(request) => serde_json::to_vec(&request),
            Err(_) => {
                let id = serde_json::from_value::<Id>(value["id"].clone()).unwrap_or(Id::Null);
                return Err(Response::from_error(id, Error::invalid_request()));
            }
        },
    };
    forwarded.map_err(|_| Response::from_error(Id::Null, Error::internal_error()))
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Gives back what a large message made a buffer grow once the buffer is
/// mostly empty again, so one big document does not keep its size in
/// memory for the rest of the session.
fn release_spare(buf: &mut Vec<u8>) {
    const KEEP: usize = 64 * 1024;
    if buf.capacity() > 4 * KEEP && buf.len() <= buf.capacity() / 4 {
        buf.shrink_to(buf.len().max(KEEP));
    }
}

/// Reads `input`, forwards good frames to `server`, sends errors to `errors`.
async fn guard_input<I, W>(mut input: I, mut server: W, errors: mpsc::UnboundedSender<Vec<u8>>)
where
    I: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    loop {
        match next_frame(&buf) {
            Frame::Incomplete => match input.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            },
            Frame::Garbage { consumed, reason } => {
                warn!("skipping {consumed} bytes of malformed input: {reason}");
                buf.drain(..consumed);
                let response = Response::from_error(Id::Null, Error::parse_error());
                let _ = errors.send(framed(&serde_json::to_vec(&response).unwrap_or_default()));
            }
            Frame::Message { body, consumed } => {
                let checked = check_body(&buf[body]);
                buf.drain(..consumed);
                release_spare(&mut buf);
                match checked {
                    Ok(message) => {
                        if server.write_all(&framed(&message)).await.is_err() {
                            return;
                        }
                    }
                    Err(response) => {
                        warn!("answering a malformed message with an error");
                        let body = serde_json::to_vec(&response).unwrap_or_default();
                        let _ = errors.send(framed(&body));
                    }
                }
            }
        }
    }
}

/// Copies whole frames from the server and from the input guard to `output`.
async fn write_output<R, O>(
    mut server: R,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
    mut output: O,
) where
    R: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    let mut errors_open = true;
    loop {
        while let Frame::Message { consumed, .. } = next_frame(&buf) {
            let frame: Vec<u8> = buf.drain(..consumed).collect();
            release_spare(&mut buf);
            if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
                return;
            }
        }
        tokio::select! {
            read = server.read(&mut chunk) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            },
            frame = errors.recv(), if errors_open => match frame {
                Some(frame) => {
                    if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
                        return;
                    }
                }
                None => errors_open = false,
            },
        }
    }
    let _ = output.flush().await;
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown`: status 0.
    Exit,
    /// `exit` without `shutdown`: status 1.
    ExitWithoutShutdown,
    /// The input ended without `exit`.
    EndOfInput,
}

/// Serves `service` on `input`/`output` behind the framing guard; returns
/// how the session ended.
pub async fn serve<I, O, S>(
    input: I,
    output: O,
    service: CatchPanic<S>,
    socket: tower_lsp_server::ClientSocket,
) -> Ending
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
    S: Service<Request, Response = Option<Response>> + Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
    S::Future: Send + 'static,
{
    let lifecycle = Arc::clone(&service.lifecycle);
    let (to_server, server_in) = tokio::io::duplex(64 * 1024);
    let (server_out, from_server) = tokio::io::duplex(64 * 1024);
    let (errors_tx, errors_rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(guard_input(input, to_server, errors_tx));
    let writer = tokio::spawn(write_output(from_server, errors_rx, output));
    tower_lsp_server::Server::new(server_in, server_out, socket)
        .serve(service)
        .await;
    // The reader may wait on input forever; the writer drains and ends.
    reader.abort();
    if writer.await.is_err() {
        error!("the output writer failed");
    }
    lifecycle.ending()
}

/// What `CatchPanic` knows of the session's lifecycle.
#[derive(Debug, Default)]
struct Lifecycle {
    shutdown: AtomicBool,
    exit: AtomicBool,
    /// A `shutdown` is being answered; `poll_ready` waits for it.
    answering_shutdown: AtomicBool,
    waiting: Mutex<Option<Waker>>,
}

impl Lifecycle {
    fn ending(&self) -> Ending {
        match (
            self.exit.load(Ordering::SeqCst),
            self.shutdown.load(Ordering::SeqCst),
        ) {
            (true, true) => Ending::Exit,
            (true, false) => Ending::ExitWithoutShutdown,
            (false, _) => Ending::EndOfInput,
        }
    }

    fn shutdown_answered(&self) {
        self.answering_shutdown.store(false, Ordering::SeqCst);
        if let Some(waker) = self
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            waker.wake();
        }
    }
}

/// Clears `answering_shutdown` when the shutdown's future ends or is dropped.
struct Answered(Arc<Lifecycle>);

impl Drop for Answered {
    fn drop(&mut self) {
        self.0.shutdown_answered();
    }
}

/// The service wrapper between the transport and the library's service:
/// panics become error responses, unknown `$/` requests get
/// `MethodNotFound`, and `shutdown` is answered before anything after it is
/// read (see the module documentation).
#[derive(Debug)]
pub struct CatchPanic<S> {
    inner: S,
    lifecycle: Arc<Lifecycle>,
}

impl<S> CatchPanic<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            lifecycle: Arc::default(),
        }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

fn panic_response(id: Option<Id>, method: &str) -> Option<Response> {
    error!("the handler of {method} panicked");
    let error = Error {
        code: ErrorCode::InternalError,
        message: format!("plan-lsp: internal error in {method}").into(),
        data: None,
    };
    id.map(|id| Response::from_error(id, error))
}

/// The answer to a `$/` request nobody handled.
fn unknown_dollar_request(id: Id, method: &str) -> Response {
    let error = Error {
        code: ErrorCode::MethodNotFound,
        message: format!("Method not found: {method}").into(),
        data: None,
    };
    Response::from_error(id, error)
}

impl<S> Service<Request> for CatchPanic<S>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Option<Response>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if self.lifecycle.answering_shutdown.load(Ordering::SeqCst) {
            *self
                .lifecycle
                .waiting
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
            // Answered between the check and storing the waker: go on.
            if self.lifecycle.answering_shutdown.load(Ordering::SeqCst) {
                return Poll::Pending;
            }
        }
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let id = request.id().cloned();
        let method = request.method().to_owned();
        let answered = match method.as_str() {
            "shutdown" if id.is_some() => {
                self.lifecycle.shutdown.store(true, Ordering::SeqCst);
                self.lifecycle
                    .answering_shutdown
                    .store(true, Ordering::SeqCst);
                Some(Answered(Arc::clone(&self.lifecycle)))
            }
            "exit" => {
                self.lifecycle.exit.store(true, Ordering::SeqCst);
                None
            }
            _ => None,
        };
        let inner = &mut self.inner;
        match catch_unwind(AssertUnwindSafe(|| inner.call(request))) {
            Ok(future) => Box::pin(async move {
                let result = match AssertUnwindSafe(future).catch_unwind().await {
                    Ok(result) => result,
                    Err(_) => Ok(panic_response(id.clone(), &method)),
                };
                drop(answered);
                match (result, id) {
                    (Ok(None), Some(id)) if method.starts_with("$/") => {
                        Ok(Some(unknown_dollar_request(id, &method)))
                    }
                    (result, _) => result,
                }
            }),
            Err(_) => Box::pin(async move { Ok(panic_response(id, &method)) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Frame, check_body, next_frame, release_spare};

    fn message(buf: &[u8]) -> (&[u8], usize) {
        match next_frame(buf) {
            Frame::Message { body, consumed } => (&buf[body], consumed),
            other => panic!("expected a message, got {other:?}"),
        }
    }

    fn garbage(buf: &[u8]) -> usize {
        match next_frame(buf) {
            Frame::Garbage { consumed, .. } => consumed,
            other => panic!("expected garbage, got {other:?}"),
        }
    }

    #[test]
    fn frames_split_anywhere_wait_for_more() {
        let frame = b"Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}";
        for cut in 0..frame.len() {
            assert_eq!(next_frame(&frame[..cut]), Frame::Incomplete, "cut at {cut}");
        }
        assert_eq!(message(frame), (&b"{}"[..], frame.len()));
        // Header names are case-insensitive.
        assert_eq!(message(b"content-length:2\r\n\r\n{}x").0, b"{}");
    }

    #[test]
    fn garbage_skips_to_the_next_header() {
        let next = b"Content-Length: 2\r\n\r\n{}";
        let mut buf = b"junk\r\n\r\n".to_vec();
        buf.extend_from_slice(next);
        assert_eq!(garbage(&buf), 8);
        let mut buf = b"junkContent-Length: 2\r\n\r\n{}".to_vec();
        assert_eq!(garbage(&buf), 4);
        buf.drain(..4);
        assert_eq!(message(&buf).0, b"{}");
        assert_eq!(garbage(b"Content-Length: x\r\n\r\n"), 21);
        assert_eq!(garbage(b"Content-Length: -1\r\n\r\n"), 22);
        assert_eq!(
            garbage(b"Content-Length: 99999999999999999999999\r\n\r\n"),
            43
        );
        assert_eq!(garbage(b"Content-Type: a\r\n\r\n{}"), 19);
        // An endless header is dropped once it exceeds the limit.
        assert!(garbage(&vec![b'a'; 9000]) > 0);
    }

    #[test]
    fn bodies_are_checked_and_reserialized() {
        let ok = check_body(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":{}}"#).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&ok).unwrap();
        assert_eq!(value["method"], "x");
        assert!(check_body(br#"{"jsonrpc":"2.0","id":1,"result":null}"#).is_ok());
        for bad in [
            &b"{"[..],
            b"",
            b"[1]",
            b"{\"a\":1}",
            b"\xff",
            br#"{"jsonrpc":"1.0","method":"x"}"#,
        ] {
            assert!(check_body(bad).is_err(), "{bad:?}");
        }
        let error = check_body(br#"{"jsonrpc":"1.0","id":7,"method":"x"}"#).unwrap_err();
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(
            (value["id"].clone(), value["error"]["code"].clone()),
            (7.into(), (-32600).into())
        );
    }

    #[test]
    fn a_buffer_grown_by_a_large_message_is_given_back() {
        // A 5 MB message was read; the start of the next one remains.
        let mut buf = vec![0u8; 5 << 20];
        buf.truncate(100);
        release_spare(&mut buf);
        assert!(
            buf.capacity() <= 128 * 1024,
            "kept {} bytes",
            buf.capacity()
        );
        assert_eq!(buf, vec![0u8; 100]);
        // Buffers of ordinary size, or still mostly full, are left alone.
        let mut small = Vec::with_capacity(64 * 1024);
        small.push(1u8);
        release_spare(&mut small);
        assert_eq!(small.capacity(), 64 * 1024);
        let mut full = vec![1u8; 1 << 20];
        full.truncate(600 * 1024);
        release_spare(&mut full);
        assert_eq!(full.capacity(), 1 << 20);
    }
}
