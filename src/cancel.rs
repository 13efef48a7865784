//! Cancellation of request work that runs off the async threads.
//!
//! tower-lsp-server answers a `$/cancelRequest` by dropping the request's
//! future and replying -32800. Work handed to a blocking thread does not
//! stop when its future is dropped, so the future holds a `Guard` that
//! raises the request's `Cancel` flag on drop, and long loops check the flag
//! (`Cancel::check`) between items and give up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A request's cancellation flag, checked by its work.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

/// The work stopped because its request was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl Cancel {
    /// `Err(Cancelled)` once the request is cancelled.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.0.load(Ordering::Relaxed) {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// A guard that cancels this flag when dropped (unless disarmed).
    #[must_use]
    pub fn guard(&self) -> Guard {
        Guard(Some(self.clone()))
    }
}

/// Raises its `Cancel` flag when dropped: held by the request's future, so
/// dropping the future (a `$/cancelRequest`) cancels the work.
#[derive(Debug)]
pub struct Guard(Option<Cancel>);

impl Guard {
    /// The work finished: dropping the guard no longer cancels anything.
    pub fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(cancel) = &self.0 {
            cancel.0.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Cancel, Cancelled};

    #[test]
    fn dropping_the_guard_cancels_and_disarming_does_not() {
        let cancel = Cancel::default();
        assert_eq!(cancel.check(), Ok(()));
        cancel.guard().disarm();
        assert_eq!(cancel.check(), Ok(()));
        drop(cancel.guard());
        assert_eq!(cancel.check(), Err(Cancelled));
        // Every clone shares the flag.
        assert_eq!(cancel.clone().check(), Err(Cancelled));
    }
}
