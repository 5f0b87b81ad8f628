//! The raw JSON view: one of several documents (every version of the order,
//! or every push) at a time, scrollable and searchable.

use serde_json::Value;
use tui_textarea::TextArea;

use crate::text::visible;

#[derive(Debug)]
pub struct RawView {
    pub titles: Vec<String>,
    pub docs: Vec<String>,
    pub index: usize,
    pub lines: Vec<String>,
    pub scroll: usize,
    pub search: Option<TextArea<'static>>,
    pub query: String,
    pub matches: Vec<usize>,
    pub current: usize,
}

impl RawView {
    pub fn new(titles: Vec<String>, docs: Vec<String>, index: usize) -> RawView {
        let mut v = RawView {
            titles,
            docs,
            index,
            lines: Vec::new(),
            scroll: 0,
            search: None,
            query: String::new(),
            matches: Vec::new(),
            current: 0,
        };
        v.show(index);
        v
    }

    /// Shows document `index` (clamped), pretty-printed, and re-runs the search.
    pub fn show(&mut self, index: usize) {
        self.index = index.min(self.docs.len().saturating_sub(1));
        let text = self.docs.get(self.index).cloned().unwrap_or_default();
        let pretty = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(text);
        self.lines = pretty.lines().map(visible).collect();
        self.scroll = 0;
        self.find();
    }

    /// Finds the current query (case-insensitive) and scrolls to the first match.
    pub fn find(&mut self) {
        let q = self.query.to_lowercase();
        self.matches = if q.is_empty() {
            Vec::new()
        } else {
            self.lines.iter().enumerate().filter(|(_, l)| l.to_lowercase().contains(&q)).map(|(i, _)| i).collect()
        };
        self.current = 0;
        if let Some(first) = self.matches.first() {
            self.scroll = first.saturating_sub(2);
        }
    }

    /// Moves to the next (or previous) match, wrapping around.
    pub fn step_match(&mut self, forward: bool) {
        let n = self.matches.len();
        if n == 0 {
            return;
        }
        self.current = if forward { (self.current + 1) % n } else { (self.current + n - 1) % n };
        self.scroll = self.matches[self.current].saturating_sub(2);
    }

    pub fn title(&self) -> &str {
        self.titles.get(self.index).map(String::as_str).unwrap_or("")
    }

    pub fn raw(&self) -> &str {
        self.docs.get(self.index).map(String::as_str).unwrap_or("")
    }
}
