//! Open documents: a rope for edits, the text as `Arc<str>` for analysis,
//! the client's version, and the analysis of that version once computed.

use std::sync::Arc;

use ropey::Rope;

use crate::plan::{self, Analysis, DocContext, Schema};

#[derive(Debug, Clone)]
pub struct Document {
    rope: Rope,
    text: Arc<str>,
    pub version: i32,
    pub context: DocContext,
    analysis: Option<Arc<Analysis>>,
}

/// What a request needs of a document, taken under the store's lock and used
/// after it is released.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub rope: Rope,
    pub text: Arc<str>,
    pub version: i32,
    pub context: DocContext,
    pub analysis: Option<Arc<Analysis>>,
}

impl Snapshot {
    /// The analysis of this version, computing it when the document has none.
    #[must_use]
    pub fn analysis(&self, schema: &Arc<Schema>) -> Arc<Analysis> {
        match &self.analysis {
            Some(analysis) => Arc::clone(analysis),
            None => Arc::new(plan::analyze(&self.text, schema, &self.context)),
        }
    }
}

impl Document {
    #[must_use]
    pub fn new(text: &str, version: i32, context: DocContext) -> Self {
        Self {
            rope: Rope::from_str(text),
            text: Arc::from(text),
            version,
            context,
            analysis: None,
        }
    }

    #[must_use]
    pub fn rope(&self) -> &Rope {
        &self.rope
    }

    #[must_use]
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// Replaces the byte range `range` with `new_text`. The range must lie on
    /// character boundaries inside the text (`convert` guarantees both).
    pub fn edit(&mut self, range: std::ops::Range<usize>, new_text: &str) {
        let start = self.rope.byte_to_char(range.start);
        let end = self.rope.byte_to_char(range.end);
        self.rope.remove(start..end);
        self.rope.insert(start, new_text);
    }

    /// Replaces the whole text.
    pub fn replace_all(&mut self, new_text: &str) {
        self.rope = Rope::from_str(new_text);
    }

    /// Ends a batch of edits: records the version and refreshes the text.
    pub fn commit(&mut self, version: i32) {
        self.version = version;
        self.text = Arc::from(self.rope.to_string());
        self.analysis = None;
    }

    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            rope: self.rope.clone(),
            text: Arc::clone(&self.text),
            version: self.version,
            context: self.context.clone(),
            analysis: self.analysis.clone(),
        }
    }

    /// Stores the analysis of `version` if the document is still at it.
    pub fn store_analysis(&mut self, version: i32, text: &Arc<str>, analysis: &Arc<Analysis>) {
        if self.version == version && Arc::ptr_eq(&self.text, text) {
            self.analysis = Some(Arc::clone(analysis));
        }
    }
}
