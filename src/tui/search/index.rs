//! The list's filter text laid end to end, built once per list and read by
//! every settled key of the filter.
//!
//! Matching 100,000 rows where each lives in its own allocations spends most
//! of its time waiting for memory; the same text in one buffer is read
//! front to back at the speed the memory streams. Push tokens are kept as
//! numbers into a table of the distinct tokens, so a term about events is
//! decided once per distinct token, not once per row and token.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::model::quoted::Parts;
use crate::store::OrderRow;

/// Ends the order id inside a row's text; no id or platform text holds it.
pub(super) const ID_END: char = '\u{1e}';

/// The fact tags the terms read, in the order their groups are laid out.
pub(super) const TAGS: [&str; 5] = ["tel", "vn", "ext", "wb", "carrier"];

/// The filter's view of a list.
#[derive(Debug, Default)]
pub struct Index {
    /// Per row: `order_id ID_END free`, then its facts grouped by tag (each
    /// group ` value value`, in [`TAGS`] order).
    text: String,
    rows: Vec<Entry>,
    /// The distinct push tokens (`event#type`) of the whole list.
    pub(super) tokens: Vec<String>,
    /// Per row, the ids of its tokens (`Entry::tokens_end`).
    token_ids: Vec<u32>,
}

/// What the terms read of one row besides its text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    /// Offsets into the index's text: the row's start, the end of its id,
    /// the end of its free text, then the end of each group of [`TAGS`].
    text: [u32; 3 + TAGS.len()],
    /// The row's token ids: `token_ids[tokens.0..tokens.1]`.
    tokens: (u32, u32),
    pub status: Option<i64>,
    pub last_activity: i64,
    pub use_tel_number: Option<i64>,
    pub has_vnum: bool,
    pub vnum_expire: Option<i64>,
    pub type5: bool,
}

/// One row as the terms read it; its slices are cut only when a term reads
/// them (`since:` and status terms never do).
#[derive(Clone, Copy)]
pub(super) struct Row<'a> {
    index: &'a Index,
    pub entry: &'a Entry,
}

impl<'a> Row<'a> {
    fn text(&self, from: usize, to: usize) -> &'a str {
        &self.index.text[self.entry.text[from] as usize..self.entry.text[to] as usize]
    }

    /// `order_id ID_END free`: what plain text is looked for in.
    pub fn words(&self) -> &'a str {
        self.text(0, 2)
    }

    pub fn order_id(&self) -> &'a str {
        self.text(0, 1)
    }

    /// The values of facts tagged `TAGS[g]`, each after a space
    /// (` 139****0775 136****2218`); a value holds no space.
    pub fn group(&self, g: usize) -> &'a str {
        self.text(2 + g, 3 + g)
    }

    /// The ids of the row's push tokens.
    pub fn tokens(&self) -> &'a [u32] {
        &self.index.token_ids[self.entry.tokens.0 as usize..self.entry.tokens.1 as usize]
    }
}

impl Index {
    pub fn of(rows: &[Arc<OrderRow>]) -> Index {
        let mut index = Index {
            text: String::with_capacity(rows.iter().map(|r| r.order_id.len() + r.search.len()).sum()),
            rows: Vec::with_capacity(rows.len()),
            ..Index::default()
        };
        let mut known: HashMap<String, u32> = HashMap::new();
        for row in rows {
            index.push(row, &mut known);
        }
        index
    }

    /// The index of `new`, a merge of this index's list `old` with the
    /// rows whose ids are in `changed` put in place ([`merge_rows`]): each row
    /// that is still the same row (the same allocation) has its entry copied
    /// from this index, and only the changed rows are read. Over 100,000
    /// orders this is a copy of one buffer instead of a walk over every
    /// row's allocations, so a filter stays cheap while pushes stream in.
    ///
    /// [`merge_rows`]: crate::tui::update::merge_rows
    pub fn merged(&self, old: &[Arc<OrderRow>], new: &[Arc<OrderRow>], changed: &HashSet<&str>) -> Index {
        let mut index = Index {
            text: String::with_capacity(self.text.len()),
            rows: Vec::with_capacity(new.len()),
            tokens: self.tokens.clone(),
            token_ids: Vec::with_capacity(self.token_ids.len()),
        };
        let mut known: HashMap<String, u32> =
            self.tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        let mut j = 0;
        for row in new {
            // Old rows keep their order in the merge; those replaced by a
            // changed row are skipped (only read when they differ).
            while j < old.len() && !Arc::ptr_eq(&old[j], row) && changed.contains(old[j].order_id.as_str()) {
                j += 1;
            }
            if j < old.len() && j < self.rows.len() && Arc::ptr_eq(&old[j], row) {
                index.copy_entry(self, j);
                j += 1;
            } else {
                index.push(row, &mut known);
            }
        }
        index
    }

    /// Appends entry `j` of `from` (same token table, extended since).
    fn copy_entry(&mut self, from: &Index, j: usize) {
        let e = from.rows[j];
        let start = self.offset();
        self.text.push_str(&from.text[e.text[0] as usize..e.text[TAGS.len() + 2] as usize]);
        let shift = |o: u32| o - e.text[0] + start;
        let tokens_start = self.token_ids.len() as u32;
        self.token_ids.extend_from_slice(&from.token_ids[e.tokens.0 as usize..e.tokens.1 as usize]);
        self.rows.push(Entry { text: e.text.map(shift), tokens: (tokens_start, self.token_ids.len() as u32), ..e });
    }

    pub fn of_one(row: &OrderRow) -> Index {
        let mut index = Index::default();
        index.push(row, &mut HashMap::new());
        index
    }

    fn push(&mut self, row: &OrderRow, known: &mut HashMap<String, u32>) {
        let parts = Parts::of(&row.search);
        let start = self.offset();
        let tokens_start = self.token_ids.len() as u32;
        // An id holding the marker (never from the platform) would let a
        // term span into the free text; it is dropped from the id.
        self.text.extend(row.order_id.chars().filter(|&c| c != ID_END));
        let id_end = self.offset();
        self.text.push(ID_END);
        self.text.push_str(parts.free);
        let free_end = self.offset();
        // Grouped by tag: a term about one tag then searches one short
        // slice, without splitting the facts of every row.
        // The facts are read once, each value placed by its tag (a pass per
        // tag doubled the time to build the index).
        let mut placed: Vec<(usize, &str)> = Vec::new();
        for token in parts.facts.split(' ') {
            let Some((tag, value)) = token.split_once(':') else { continue };
            if let Some(g) = TAGS.iter().position(|t| *t == tag) {
                placed.push((g, value));
            }
        }
        let mut ends = [0; TAGS.len()];
        for (g, end) in ends.iter_mut().enumerate() {
            for &(_, value) in placed.iter().filter(|(at, _)| *at == g) {
                self.text.push(' ');
                self.text.push_str(value);
            }
            *end = self.offset();
        }
        for token in parts.event_tokens() {
            // Looked up by reference: a list has a few dozen distinct tokens
            // and a million occurrences, so only the first of each allocates.
            let id = match known.get(token) {
                Some(&id) => id,
                None => {
                    let id = self.tokens.len() as u32;
                    self.tokens.push(token.to_string());
                    known.insert(token.to_string(), id);
                    id
                }
            };
            self.token_ids.push(id);
        }
        self.rows.push(Entry {
            text: [start, id_end, free_end, ends[0], ends[1], ends[2], ends[3], ends[4]],
            tokens: (tokens_start, self.token_ids.len() as u32),
            status: row.status,
            last_activity: row.last_activity,
            use_tel_number: row.use_tel_number,
            has_vnum: row.vnum.is_some(),
            vnum_expire: row.vnum_expire,
            type5: row.type5,
        });
    }

    /// Where the text ends now. The text of a list stays far below 4 GiB
    /// (100,000 orders take about 20 MB), and offsets half the size of a
    /// `usize` keep more rows in each cache line.
    fn offset(&self) -> u32 {
        u32::try_from(self.text.len()).expect("the filter text of a list stays under 4 GiB")
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(super) fn row(&self, i: usize) -> Row<'_> {
        Row { index: self, entry: &self.rows[i] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::quoted::compose;

    fn row(id: &str, search: &str, events: &str) -> Arc<OrderRow> {
        Arc::new(OrderRow {
            order_id: id.into(),
            status: Some(30),
            update_time: None,
            use_tel_number: None,
            vnum: None,
            vnum_expire: None,
            snapshots: 1,
            messages: 0,
            type5: false,
            last_activity: 7,
            search: compose(search.into(), events),
            product: String::new(),
            buyer: String::new(),
        })
    }

    #[test]
    fn each_row_reads_back_its_own_parts_and_tokens_are_shared() {
        let rows = [
            row(
                "1",
                "xbox 杨**\u{1f} tel:139****0775 vn:18400984191 ext:0775 wb:sf1 carrier:sf carrier:顺丰 ",
                "channels_ec_order_new channels_ec_order_pay ",
            ),
            row("2", "手柄", "channels_ec_order_pay "),
            row("3", "", ""),
        ];
        let index = Index::of(&rows);
        assert_eq!(index.len(), 3);
        let first = index.row(0);
        assert_eq!((first.order_id(), first.words(), first.group(0)), ("1", "1\u{1e}xbox 杨**", " 139****0775"));
        let second = index.row(1);
        assert_eq!((second.order_id(), second.words(), second.group(0)), ("2", "2\u{1e}手柄", ""));
        assert_eq!(index.tokens, ["channels_ec_order_new", "channels_ec_order_pay"]);
        assert_eq!((first.tokens(), second.tokens(), index.row(2).tokens()), (&[0, 1][..], &[1][..], &[][..]));
        assert_eq!(index.row(2).words(), "3\u{1e}");
        let groups: Vec<&str> = (0..TAGS.len()).map(|g| first.group(g)).collect();
        assert_eq!(groups, [" 139****0775", " 18400984191", " 0775", " sf1", " sf 顺丰"]);
        assert_eq!(first.entry.last_activity, 7);
    }

    #[test]
    fn a_merged_index_reads_as_one_built_from_the_merged_list() {
        let old = vec![
            row("3", "c", "channels_ec_order_pay "),
            row("2", "b\u{1f} tel:1 ", "channels_ec_order_new "),
            row("1", "a", ""),
        ];
        let index = Index::of(&old);
        // "1" changed and moved to the top, "9" is new; "3" and "2" are the
        // same rows as before.
        let new = vec![
            row("9", "z", "channels_ec_order_deliver "),
            row("1", "a2", "channels_ec_order_pay "),
            old[0].clone(),
            old[1].clone(),
        ];
        let changed: HashSet<&str> = ["1", "9"].into_iter().collect();
        let merged = index.merged(&old, &new, &changed);
        let fresh = Index::of(&new);
        assert_eq!(merged.len(), fresh.len());
        let tokens = |ix: &Index, i: usize| -> Vec<String> {
            ix.row(i).tokens().iter().map(|&t| ix.tokens[t as usize].clone()).collect()
        };
        for i in 0..new.len() {
            let (a, b) = (merged.row(i), fresh.row(i));
            assert_eq!((a.order_id(), a.words(), a.group(0)), (b.order_id(), b.words(), b.group(0)), "row {i}");
            assert_eq!(tokens(&merged, i), tokens(&fresh, i), "row {i}");
            assert_eq!(a.entry.last_activity, b.entry.last_activity);
        }
    }
}
