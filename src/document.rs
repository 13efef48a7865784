//! Open documents: a rope for edits, the text as `Arc<String>` for analysis,
//! the client's version, and the analysis of that version once computed.
//!
//! Edits are also recorded as one covering byte `Edit`, twice: since the
//! last commit (so `commit` edits the text in place, or splices it, instead
//! of rebuilding it from the rope) and since the last stored analysis (the
//! base, so the next analysis is incremental, see `plan::incremental`).
//!
//! The base is owned, in a slot shared with the snapshots, so the snapshot
//! that reanalyses takes it and reuses its tree without copying it. The slot
//! is tagged with the generation (commit count) its edit leads to; a
//! snapshot of another generation leaves it alone and analyses in full.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ropey::Rope;

use crate::plan::incremental::{self, Edit};
use crate::plan::{self, Analysis, DocContext, Schema};

#[derive(Debug)]
pub struct Document {
    rope: Rope,
    text: Arc<String>,
    pub version: i32,
    pub context: DocContext,
    analysis: Option<Arc<Analysis>>,
    /// Counts commits that changed the text.
    generation: u64,
    base: Arc<Mutex<BaseSlot>>,
    /// The edits since the last commit.
    pending: Pending,
}

impl Clone for Document {
    /// A copy with its own (empty) base: its next analysis is a full one.
    fn clone(&self) -> Self {
        Self {
            rope: self.rope.clone(),
            text: Arc::clone(&self.text),
            version: self.version,
            context: self.context.clone(),
            analysis: self.analysis.clone(),
            generation: self.generation,
            base: Arc::default(),
            pending: self.pending,
        }
    }
}

/// An earlier analysis and the edit from its text to the text of
/// `generation`.
#[derive(Debug, Default)]
struct BaseSlot {
    generation: u64,
    base: Option<(Base, Edit)>,
}

#[derive(Debug)]
enum Base {
    Owned(Box<Analysis>),
    /// The analysis was still shared when the edit came; it is copied.
    Shared(Arc<Analysis>),
}

fn lock(slot: &Mutex<BaseSlot>) -> MutexGuard<'_, BaseSlot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
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
    pub text: Arc<String>,
    pub version: i32,
    pub context: DocContext,
    pub analysis: Option<Arc<Analysis>>,
    generation: u64,
    base: Arc<Mutex<BaseSlot>>,
}

impl Snapshot {
    /// The analysis of this version, computing it when the document has none:
    /// incrementally from the document's base when this snapshot is the
    /// first to need it, in full otherwise.
    #[must_use]
    pub fn analysis(&self, schema: &Arc<Schema>) -> Arc<Analysis> {
        self.analysis_with(schema, &self.context)
    }

    /// `analysis` with the context that configuration resolved for the
    /// document instead of the one it was opened with.
    #[must_use]
    pub fn analysis_with(&self, schema: &Arc<Schema>, ctx: &DocContext) -> Arc<Analysis> {
        if let Some(analysis) = &self.analysis {
            return Arc::clone(analysis);
        }
        let taken = {
            let mut slot = lock(&self.base);
            if slot.generation == self.generation {
                slot.base.take()
            } else {
                None
            }
        };
        let text = self.text.as_str();
        Arc::new(match taken {
            Some((Base::Owned(base), edit)) => {
                incremental::reanalyze_owned(*base, text, edit, schema, ctx)
            }
            Some((Base::Shared(base), edit)) => {
                incremental::reanalyze(&base, text, edit, schema, ctx)
            }
            None => plan::analyze(text, schema, ctx),
        })
    }
}

impl Document {
    #[must_use]
    pub fn new(text: &str, version: i32, context: DocContext) -> Self {
        Self {
            rope: Rope::from_str(text),
            text: Arc::new(text.to_owned()),
            version,
            context,
            analysis: None,
            generation: 0,
            base: Arc::default(),
            pending: Pending::None,
        }
    }

    #[must_use]
    pub fn rope(&self) -> &Rope {
        &self.rope
    }

    #[must_use]
    pub fn text(&self) -> &Arc<String> {
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
        let mut slot = lock(&self.base);
        // From now on the slot leads to the next generation's text.
        slot.generation = self.generation + 1;
        slot.base = match (self.analysis.take(), slot.base.take()) {
            (Some(analysis), _) => match Arc::try_unwrap(analysis) {
                Ok(owned) => Some((Base::Owned(Box::new(owned)), edit)),
                Err(shared) => Some((Base::Shared(shared), edit)),
            },
            (None, Some((base, before))) => Some((base, before.then(edit))),
            (None, None) => None,
        };
    }

    /// Replaces the whole text.
    pub fn replace_all(&mut self, new_text: &str) {
        self.rope = Rope::from_str(new_text);
        self.pending = Pending::Whole;
        self.analysis = None;
        let mut slot = lock(&self.base);
        slot.generation = self.generation + 1;
        slot.base = None;
    }

    /// Ends a batch of edits: records the version and refreshes the text,
    /// editing it in place when no snapshot shares it.
    pub fn commit(&mut self, version: i32) {
        self.version = version;
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => return,
            Pending::Whole => self.text = Arc::new(self.rope.to_string()),
            Pending::Splice(edit) => self.splice_text(edit),
        }
        self.analysis = None;
        self.generation += 1;
    }

    fn splice_text(&mut self, edit: Edit) {
        let (start, old_end, new_end) = (
            edit.start as usize,
            edit.old_end as usize,
            edit.new_end as usize,
        );
        let middle = self.rope.byte_slice(start..new_end);
        match Arc::get_mut(&mut self.text) {
            Some(text) => text.replace_range(start..old_end, &Cow::from(middle)),
            None => {
                let mut text = String::with_capacity(self.rope.len_bytes());
                text.push_str(&self.text[..start]);
                for chunk in middle.chunks() {
                    text.push_str(chunk);
                }
                text.push_str(&self.text[old_end..]);
                self.text = Arc::new(text);
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
            generation: self.generation,
            base: Arc::clone(&self.base),
        }
    }

    /// Drops the analysis (configuration changed). An analysis begun
    /// before is not stored afterwards: the text gets a new `Arc`, and
    /// `store_analysis` stores only an analysis of the current one.
    pub fn invalidate(&mut self) {
        self.analysis = None;
        self.text = Arc::new(self.text.as_str().to_owned());
        self.generation += 1;
        let mut slot = lock(&self.base);
        slot.generation = self.generation;
        slot.base = None;
    }

    /// Stores the analysis of `version` if the document is still at it.
    pub fn store_analysis(&mut self, version: i32, text: &Arc<String>, analysis: &Arc<Analysis>) {
        if self.version == version && Arc::ptr_eq(&self.text, text) {
            self.analysis = Some(Arc::clone(analysis));
            lock(&self.base).base = None;
        }
    }
}
