//! The wall clock, read at the edges: the core gets the time as an argument
//! (for "fill Created with now"); the server and the CLI read it here.

/// The current local time as the template writes timestamps:
/// `2026-01-16T13:47:18-0800`.
#[must_use]
pub fn now() -> String {
    jiff::Zoned::now()
        .strftime("%Y-%m-%dT%H:%M:%S%z")
        .to_string()
}
