//! Hooks that let tests reach failure paths; compiled into debug builds
//! only, so release behaviour never depends on them.

/// A document containing this text makes `documentSymbol` panic.
pub const PANIC_MARKER: &str = "plan-lsp-test-hook: panic in documentSymbol";

pub(crate) fn panic_on_marker(text: &str) {
    assert!(
        !text.contains(PANIC_MARKER),
        "test hook: documentSymbol panics on its marker"
    );
}
