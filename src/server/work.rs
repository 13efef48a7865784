//! Request work off the async threads, cancellable.
//!
//! A request's work runs on a blocking thread, so a long request (the
//! outline of a 60,000-line plan, a workspace-wide symbol search) neither
//! holds up the message loop nor keeps it from reading the client's
//! `$/cancelRequest`. tower-lsp-server answers the cancellation with -32800
//! by dropping the request's future; the future's `cancel::Guard` then
//! raises the work's flag, and the work stops at its next check.
//!
//! A panic in the work is resumed in the request's future, where the one
//! panic guard (`transport::CatchPanic`) turns it into an error response.

use tokio::task::spawn_blocking;
use tower_lsp_server::jsonrpc::{Error, Result};
use tracing::info;

use crate::cancel::{Cancel, Cancelled};

/// Runs `work` on a blocking thread with a cancellation flag tied to the
/// calling future.
pub(crate) async fn blocking<T, F>(method: &'static str, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Cancel) -> std::result::Result<T, Cancelled> + Send + 'static,
{
    let cancel = Cancel::default();
    let guard = cancel.guard();
    let joined = spawn_blocking(move || {
        let out = work(&cancel);
        if out.is_err() {
            info!("{method}: cancelled by the client; the work stopped");
        }
        out
    })
    .await;
    guard.disarm();
    match joined {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(Cancelled)) => Err(Error::request_cancelled()),
        Err(error) => match error.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(error) => Err(Error {
                message: format!("plan-lsp: {method} did not finish: {error}").into(),
                ..Error::internal_error()
            }),
        },
    }
}
