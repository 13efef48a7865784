//! Property test: random incremental edits, given in UTF-8, UTF-16 or
//! UTF-32 positions, leave the server's text equal to the client's.

use plan_lsp::convert::{self, Encoding};
use plan_lsp::document::Document;
use plan_lsp::plan::DocContext;
use proptest::prelude::*;
use tower_lsp_server::ls_types::{Position, Range};

/// The client's view: an independent, naive position computation.
fn client_position(text: &str, char_index: usize, encoding: Encoding) -> Position {
    let mut line = 0u32;
    let mut column = 0u32;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < char_index {
        let c = chars[i];
        if c == '\r' && chars.get(i + 1) == Some(&'\n') && i + 1 < char_index {
            line += 1;
            column = 0;
            i += 2;
            continue;
        }
        if c == '\n' || c == '\r' {
            line += 1;
            column = 0;
        } else {
            column += match encoding {
                Encoding::Utf8 => c.len_utf8() as u32,
                Encoding::Utf16 => c.len_utf16() as u32,
                Encoding::Utf32 => 1,
            };
        }
        i += 1;
    }
    Position {
        line,
        character: column,
    }
}

fn pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("a".to_owned()),
            Just("## Step 1: X\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("\n".to_owned()),
            Just("\r".to_owned()),
            Just("😀".to_owned()),
            Just("計画".to_owned()),
            Just("e\u{301}".to_owned()),
            Just("```\n".to_owned()),
            Just("[Name]".to_owned()),
            Just(" ".to_owned()),
        ],
        0..12,
    )
    .prop_map(|v| v.concat())
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Utf8),
        Just(Encoding::Utf16),
        Just(Encoding::Utf32)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn incremental_edits_keep_text_in_sync(
        initial in pieces(),
        encoding in encoding(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), pieces()), 1..20),
    ) {
        let mut client = initial.clone();
        let mut doc = Document::new(&initial, 1, DocContext::default());
        for (version, (a, b, insert)) in edits.into_iter().enumerate() {
            let count = client.chars().count();
            // Positions never split a CRLF pair, as real clients never do.
            let boundaries: Vec<usize> = (0..=count)
                .filter(|&i| {
                    let chars: Vec<char> = client.chars().collect();
                    !(i > 0 && i < count && chars[i - 1] == '\r' && chars[i] == '\n')
                })
                .collect();
            let mut x = boundaries[a.index(boundaries.len())];
            let mut y = boundaries[b.index(boundaries.len())];
            if x > y {
                std::mem::swap(&mut x, &mut y);
            }
            let range = Range {
                start: client_position(&client, x, encoding),
                end: client_position(&client, y, encoding),
            };
            let bytes = convert::from_lsp_range(doc.rope(), range, encoding).unwrap();
            doc.edit(bytes, &insert);
            doc.commit(i32::try_from(version).unwrap() + 2);
            let start = client.char_indices().nth(x).map_or(client.len(), |(i, _)| i);
            let end = client.char_indices().nth(y).map_or(client.len(), |(i, _)| i);
            client.replace_range(start..end, &insert);
            prop_assert_eq!(doc.text().as_ref(), client.as_str());
        }
    }

    #[test]
    fn positions_round_trip(text in pieces(), encoding in encoding(), index in any::<prop::sample::Index>()) {
        let rope = ropey::Rope::from_str(&text);
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let offset = if chars.is_empty() { 0 } else { chars[index.index(chars.len())].0 };
        let (line, column) = convert::position(&rope, offset as u32, encoding);
        let back = convert::offset(&rope, line, column, encoding);
        // An offset between CR and LF maps to the end of that line.
        let between_crlf = offset > 0 && text.as_bytes()[offset - 1] == b'\r' && text.as_bytes().get(offset) == Some(&b'\n');
        if !between_crlf {
            prop_assert_eq!(back, offset);
        }
    }
}

#[test]
fn positions_past_the_end_are_clamped() {
    let rope = ropey::Rope::from_str("ab😀\r\ncd");
    assert_eq!(convert::offset(&rope, 0, 99, Encoding::Utf16), 6);
    assert_eq!(convert::offset(&rope, 7, 0, Encoding::Utf16), 10);
    // Inside a surrogate pair snaps to the character's start.
    assert_eq!(convert::offset(&rope, 0, 3, Encoding::Utf16), 2);
    // Inside a UTF-8 sequence snaps to the character's start.
    assert_eq!(convert::offset(&rope, 0, 4, Encoding::Utf8), 2);
    let inverted = Range {
        start: Position {
            line: 1,
            character: 0,
        },
        end: Position {
            line: 0,
            character: 0,
        },
    };
    assert!(convert::from_lsp_range(&rope, inverted, Encoding::Utf16).is_err());
}
