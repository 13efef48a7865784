//! Open documents: a rope for edits, the text as `Arc<str>` for analysis,
//! the client's version, and the analysis of that version once computed.
//!
//! Edits are also recorded as one covering byte `Edit` twice: since the last
//! commit (so `commit` splices the text instead of rebuilding it from the
//! rope) and since the last stored analysis (so the next analysis is
//! incremental, see `plan::incremental`).

use std::sync::Arc;

use ropey::Rope;

use crate::plan::incremental::{self, Edit};
use crate::plan::{self, Analysis, DocContext, Schema};

#[derive(Debug, Clone)]
pub struct Document {
    rope: Rope,
    text: Arc<str>,
    pub version: i32,
    pub context: DocContext,
    analysis: Option<Arc<Analysis>>,
    /// The last analysis and the edits made since its text.
    base: Option<(Arc<Analysis>, Edit)>,
    /// The edits since the last commit.
    pending: Pending,
}

#[derive(Debug, Clone, Copy)]
enum Pending {
    None,
    Splice(Edit),
    Whole,
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
    /// An earlier analysis and the edit from its text to `text`.
    pub base: Option<(Arc<Analysis>, Edit)>,
}

impl Snapshot {
    /// The analysis of this version, computing it when the document has none.
    #[must_use]
    pub fn analysis(&self, schema: &Arc<Schema>) -> Arc<Analysis> {
        match (&self.analysis, &self.base) {
            (Some(analysis), _) => Arc::clone(analysis),
            (None, Some((base, edit))) => Arc::new(incremental::reanalyze(
                base,
                &self.text,
                *edit,
                schema,
                &self.context,
            )),
            (None, None) => Arc::new(plan::analyze(&self.text, schema, &self.context)),
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
            base: None,
            pending: Pending::None,
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
        let edit = Edit::replace(range.clone(), new_text.len());
        let start = self.rope.byte_to_char(range.start);
        let end = self.rope.byte_to_char(range.end);
        self.rope.remove(start..end);
        self.rope.insert(start, new_text);
        self.pending = match self.pending {
            Pending::None => Pending::Splice(edit),
            Pending::Splice(before) => Pending::Splice(before.then(edit)),
            Pending::Whole => Pending::Whole,
        };
        self.base = match (self.analysis.take(), self.base.take()) {
            (Some(analysis), _) => Some((analysis, edit)),
            (None, Some((base, before))) => Some((base, before.then(edit))),
            (None, None) => None,
        };
    }

    /// Replaces the whole text.
    pub fn replace_all(&mut self, new_text: &str) {
        self.rope = Rope::from_str(new_text);
        self.pending = Pending::Whole;
        self.analysis = None;
        self.base = None;
    }

    /// Ends a batch of edits: records the version and refreshes the text,
    /// copying the unchanged parts around the edits from the old text.
    pub fn commit(&mut self, version: i32) {
        self.version = version;
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => {}
            Pending::Whole => {
                self.text = Arc::from(self.rope.to_string());
                self.analysis = None;
            }
            Pending::Splice(edit) => {
                let (start, old_end, new_end) = (
                    edit.start as usize,
                    edit.old_end as usize,
                    edit.new_end as usize,
                );
                let mut text = String::with_capacity(self.rope.len_bytes());
                text.push_str(&self.text[..start]);
                for chunk in self.rope.byte_slice(start..new_end).chunks() {
                    text.push_str(chunk);
                }
                text.push_str(&self.text[old_end..]);
                self.text = Arc::from(text);
                self.analysis = None;
            }
        }
    }

    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            rope: self.rope.clone(),
            text: Arc::clone(&self.text),
            version: self.version,
            context: self.context.clone(),
            analysis: self.analysis.clone(),
            base: self.base.clone(),
        }
    }

    /// Stores the analysis of `version` if the document is still at it.
    pub fn store_analysis(&mut self, version: i32, text: &Arc<str>, analysis: &Arc<Analysis>) {
        if self.version == version && Arc::ptr_eq(&self.text, text) {
            self.analysis = Some(Arc::clone(analysis));
            self.base = None;
        }
    }
}
