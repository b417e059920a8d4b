//! The exact nesting depth of a YAML document, counted from the events of
//! the parser that `serde_yaml_ng` itself uses (libyaml, as
//! `unsafe-libyaml`), and stopped as soon as the limit is passed.
//!
//! libyaml's scanner spends time proportional to the current nesting on
//! every token, so a deeply nested document (`[[[[…`, `- - - …`, `{a: {a: …`,
//! indented blocks, or aliases of deep anchors) costs time quadratic in its
//! size when it is parsed whole. Pulling events one at a time and stopping
//! at the limit bounds that cost, whatever the style: the parser's events
//! are what `serde_yaml_ng` builds the document from, so nothing the
//! document nests escapes the count.

use super::TooDeep;
use std::collections::HashMap;
use std::mem::MaybeUninit;

/// Checks that the YAML `text` nests collections no deeper than `limit`
/// once its aliases are expanded (as deserialization expands them): an
/// alias counts as the height of the node its anchor names. Stops at the
/// first event past the limit; a syntax error ends the check (the parser
/// reports it).
///
/// # Errors
/// [`TooDeep`] with the line of the collection or alias that passed the
/// limit.
pub fn check_yaml_nesting(text: &str, limit: usize) -> Result<(), TooDeep> {
    let mut events = Events::new(text);
    // One entry per open collection: its anchor and the height of its
    // deepest child so far.
    let mut open: Vec<(Option<Vec<u8>>, usize)> = Vec::new();
    // The height of every anchored node seen (a scalar is 0, `[]` is 1).
    let mut anchors: HashMap<Vec<u8>, usize> = HashMap::new();
    while let Some(event) = events.next() {
        let (height, anchor) = match event.kind {
            Kind::Start(anchor) => {
                open.push((anchor, 0));
                if open.len() > limit {
                    return Err(TooDeep { limit, line: event.line });
                }
                continue;
            }
            Kind::End => match open.pop() {
                Some((anchor, children)) => (children + 1, anchor),
                None => continue,
            },
            Kind::Scalar(anchor) => (0, anchor),
            Kind::Alias(name) => {
                let height = anchors.get(&name).copied().unwrap_or(0);
                if open.len() + height > limit {
                    return Err(TooDeep { limit, line: event.line });
                }
                (height, None)
            }
            Kind::Other => continue,
        };
        if let Some(anchor) = anchor {
            anchors.insert(anchor, height);
        }
        if let Some((_, children)) = open.last_mut() {
            *children = (*children).max(height);
        }
    }
    Ok(())
}

/// What the depth count needs of one event.
enum Kind {
    /// A sequence or mapping starts, with its anchor.
    Start(Option<Vec<u8>>),
    /// A sequence or mapping ends.
    End,
    /// A scalar, with its anchor.
    Scalar(Option<Vec<u8>>),
    /// An alias of the named anchor.
    Alias(Vec<u8>),
    /// Stream and document boundaries.
    Other,
}

/// One event and its 1-based line.
struct Event {
    kind: Kind,
    line: usize,
}

/// libyaml's parser over `text`, pulled one event at a time.
struct Events<'a> {
    /// Boxed: once given its input, libyaml's parser points at itself, so
    /// it must not move.
    parser: Box<MaybeUninit<unsafe_libyaml::yaml_parser_t>>,
    /// The parser reads this text through a raw pointer.
    _text: &'a str,
    /// Whether the stream ended or the parser failed.
    done: bool,
}

impl<'a> Events<'a> {
    fn new(text: &'a str) -> Self {
        let mut parser = Box::new(MaybeUninit::<unsafe_libyaml::yaml_parser_t>::uninit());
        // SAFETY: `yaml_parser_initialize` fills the zeroed parser (it fails
        // only when it cannot allocate, as Rust's allocator would abort);
        // the input string outlives the parser (`_text` borrows it for
        // `'a`), and the boxed parser never moves.
        let failed = unsafe {
            let ptr = parser.as_mut_ptr();
            let failed = unsafe_libyaml::yaml_parser_initialize(ptr).fail;
            if !failed {
                unsafe_libyaml::yaml_parser_set_encoding(ptr, unsafe_libyaml::YAML_UTF8_ENCODING);
                unsafe_libyaml::yaml_parser_set_input_string(ptr, text.as_ptr(), text.len() as u64);
            }
            failed
        };
        // As out of memory anywhere else: not a condition to recover from.
        assert!(!failed, "libyaml could not allocate its parser");
        Self { parser, _text: text, done: false }
    }

    fn next(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        let mut event = MaybeUninit::<unsafe_libyaml::yaml_event_t>::uninit();
        // SAFETY: the parser was initialized in `new` and is deleted only in
        // `drop`; a successful `yaml_parser_parse` initializes `event`, whose
        // anchors are NUL-terminated strings (or null) that live until
        // `yaml_event_delete`, which is called once, after they are copied.
        unsafe {
            let parser = self.parser.as_mut_ptr();
            if unsafe_libyaml::yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                self.done = true;
                return None;
            }
            let event = event.as_mut_ptr();
            let kind = match (*event).type_ {
                unsafe_libyaml::YAML_SEQUENCE_START_EVENT => Kind::Start(anchor((*event).data.sequence_start.anchor)),
                unsafe_libyaml::YAML_MAPPING_START_EVENT => Kind::Start(anchor((*event).data.mapping_start.anchor)),
                unsafe_libyaml::YAML_SEQUENCE_END_EVENT | unsafe_libyaml::YAML_MAPPING_END_EVENT => Kind::End,
                unsafe_libyaml::YAML_SCALAR_EVENT => Kind::Scalar(anchor((*event).data.scalar.anchor)),
                unsafe_libyaml::YAML_ALIAS_EVENT => Kind::Alias(anchor((*event).data.alias.anchor).unwrap_or_default()),
                unsafe_libyaml::YAML_STREAM_END_EVENT => {
                    self.done = true;
                    Kind::Other
                }
                _ => Kind::Other,
            };
            let line = usize::try_from((*event).start_mark.line).map_or(usize::MAX, |l| l.saturating_add(1));
            unsafe_libyaml::yaml_event_delete(event);
            Some(Event { kind, line })
        }
    }
}

/// Copies an event's anchor name.
///
/// # Safety
/// `name` is null or a NUL-terminated string.
unsafe fn anchor(name: *const u8) -> Option<Vec<u8>> {
    if name.is_null() {
        return None;
    }
    // SAFETY: as the caller promises.
    Some(unsafe { std::ffi::CStr::from_ptr(name.cast()) }.to_bytes().to_vec())
}

impl Drop for Events<'_> {
    fn drop(&mut self) {
        // SAFETY: initialized in `new` (which panics otherwise, before
        // `Self` exists), deleted once.
        unsafe { unsafe_libyaml::yaml_parser_delete(self.parser.as_mut_ptr()) }
    }
}
