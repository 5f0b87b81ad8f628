//! The push stream (`p`): every push stored, newest first, across orders,
//! with its event time beside its receipt time (a redelivery arrives long
//! after its event), for "what arrived in the last 10 minutes?". Pure: the
//! rows come in from the store, keys change the view.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use super::keys::{Action, Context, action_for, move_by};
use crate::store::{MessageRow, StoreError};

/// The windows `1`, `2` and `3` pick: 10 minutes, an hour, a day.
pub const WINDOWS: [i64; 3] = [600, 3600, 86_400];
/// The most pushes held: the newest that many in the window.
pub const MAX_ROWS: i64 = 2000;
/// A push whose receipt is this much after its event is a redelivery.
pub const LATE: i64 = 60;

/// One push as the stream shows it (no body: that is opened from the order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRow {
    pub id: i64,
    pub received_at: i64,
    pub create_time: Option<i64>,
    pub order_id: Option<String>,
    pub event: Option<String>,
    pub kind: Option<i64>,
    pub type5: bool,
    pub demo: bool,
}

impl From<&MessageRow> for StreamRow {
    fn from(m: &MessageRow) -> StreamRow {
        StreamRow {
            id: m.id,
            received_at: m.received_at,
            create_time: m.create_time,
            order_id: m.order_id.clone(),
            event: m.event.clone(),
            kind: m.kind,
            type5: m.is_type5(),
            demo: m.source.is_demo(),
        }
    }
}

impl StreamRow {
    /// How long after its event it was received, when that makes it a
    /// redelivery.
    pub fn late_by(&self) -> Option<i64> {
        self.create_time.map(|c| self.received_at - c).filter(|d| *d >= LATE)
    }

    /// The push as the list filter's event terms read it: `event#type`.
    fn token(&self) -> String {
        match (&self.event, self.kind) {
            (Some(e), Some(k)) => format!("{e}#{k}"),
            (Some(e), None) => e.clone(),
            (None, _) => String::new(),
        }
    }

    fn matches(&self, terms: &[PushTerm]) -> bool {
        let token = self.token();
        terms.iter().all(|term| match term {
            PushTerm::Word(w, named) => {
                self.order_id.as_deref().is_some_and(|o| o.contains(w.as_str())) || named.accepts(&token)
            }
            PushTerm::Event(named) => named.accepts(&token),
            PushTerm::Type(k) => self.kind == Some(*k),
            PushTerm::Type5 => self.type5,
            PushTerm::Late => self.late_by().is_some(),
        })
    }
}

/// One word of the push stream's filter, read as the order list's filter
/// reads the same words: `evt:发货` (`事件:`), `type:5` (`类型:`), `type5` /
/// `⚑5`, `late` (`迟到`: a redelivery, received a minute or more after its
/// event), or a bare word: an order id containing it, or an event named so.
#[derive(Debug, Clone)]
enum PushTerm {
    Word(String, super::search::EventTerm),
    Event(super::search::EventTerm),
    Type(i64),
    Type5,
    Late,
}

impl PushTerm {
    fn parse(query: &str) -> Vec<PushTerm> {
        let query = query.to_lowercase();
        query
            .split_whitespace()
            .map(|word| {
                let prefixed = word.split_once([':', '：']);
                match prefixed {
                    Some(("evt" | "event" | "事件", v)) if !v.is_empty() => {
                        PushTerm::Event(super::search::EventTerm::new(v))
                    }
                    Some(("type" | "类型", v)) if let Ok(k) = v.parse() => PushTerm::Type(k),
                    _ if word == "type5" || word == "⚑5" => PushTerm::Type5,
                    _ if word == "late" || word == "迟到" => PushTerm::Late,
                    _ => PushTerm::Word(word.to_string(), super::search::EventTerm::new(word)),
                }
            })
            .collect()
    }
}

#[derive(Debug)]
pub struct PushStream {
    /// Seconds back from now.
    pub window: i64,
    /// Newest first; or why they could not be read.
    pub rows: Option<Result<Vec<StreamRow>, Arc<StoreError>>>,
    /// Position among the rows that pass the filter.
    pub selected: usize,
    pub query: String,
    pub typing: bool,
}

/// What a key asks of the rest of the inspector.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Nothing,
    Redraw,
    /// Read the rows again (the window changed).
    Reload,
    /// Go to this order.
    Open(String),
    Back,
    Help,
    Quit,
}

impl PushStream {
    pub fn new(window: i64) -> PushStream {
        PushStream { window, rows: None, selected: 0, query: String::new(), typing: false }
    }

    /// The rows that pass the filter, newest first.
    pub fn shown(&self) -> Vec<&StreamRow> {
        match &self.rows {
            Some(Ok(rows)) => {
                let terms = PushTerm::parse(&self.query);
                rows.iter().filter(|r| r.matches(&terms)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// New rows read: the selected push stays selected when it is still there.
    pub fn loaded(&mut self, rows: Result<Vec<StreamRow>, Arc<StoreError>>) {
        let keep = self.shown().get(self.selected).map(|r| r.id);
        self.rows = Some(rows);
        let shown = self.shown();
        self.selected =
            keep.and_then(|id| shown.iter().position(|r| r.id == id)).unwrap_or(0).min(shown.len().saturating_sub(1));
    }

    pub fn key(&mut self, key: KeyEvent, page: usize) -> Outcome {
        if self.typing {
            match key.code {
                KeyCode::Enter => self.typing = false,
                KeyCode::Esc => {
                    self.typing = false;
                    self.query.clear();
                }
                KeyCode::Backspace => {
                    self.query.pop();
                }
                KeyCode::Char(c) if self.query.chars().count() < 100 => self.query.push(c),
                _ => return Outcome::Nothing,
            }
            self.selected = 0;
            return Outcome::Redraw;
        }
        let len = self.shown().len();
        let last = len.saturating_sub(1);
        let before = self.selected;
        match (action_for(Context::Pushes, key), key.code) {
            (_, KeyCode::Char(c @ '1'..='3')) => {
                let window = WINDOWS[c as usize - '1' as usize];
                if window == self.window {
                    return Outcome::Nothing;
                }
                self.window = window;
                return Outcome::Reload;
            }
            (Some(a), _) if move_by(&mut self.selected, a, page, last) => {}
            (Some(Action::Filter), _) => {
                self.typing = true;
                return Outcome::Redraw;
            }
            (Some(Action::Open), _) => {
                return match self.shown().get(self.selected).and_then(|r| r.order_id.clone()) {
                    Some(id) => Outcome::Open(id),
                    None => Outcome::Nothing,
                };
            }
            (Some(Action::Back), _) if !self.query.is_empty() => {
                self.query.clear();
                return Outcome::Redraw;
            }
            (Some(Action::Back), _) => return Outcome::Back,
            (Some(Action::Help), _) => return Outcome::Help,
            (Some(Action::Quit), _) => return Outcome::Quit,
            _ => return Outcome::Nothing,
        }
        if self.selected == before { Outcome::Nothing } else { Outcome::Redraw }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, order: &str, event: &str, kind: i64, late: i64) -> StreamRow {
        StreamRow {
            id,
            received_at: 1000 + id,
            create_time: Some(1000 + id - late),
            order_id: Some(order.into()),
            event: Some(event.into()),
            kind: Some(kind),
            type5: kind == 5,
            demo: false,
        }
    }

    fn stream() -> PushStream {
        let mut s = PushStream::new(3600);
        s.loaded(Ok(vec![
            row(3, "111", "channels_ec_order_ext_info_update", 5, 0),
            row(2, "222", "channels_ec_order_deliver", 0, 600),
            row(1, "111", "channels_ec_order_pay", 0, 0),
        ]));
        s
    }

    fn press(s: &mut PushStream, code: KeyCode) -> Outcome {
        s.key(KeyEvent::from(code), 10)
    }

    #[test]
    fn the_filter_matches_order_event_and_type_and_enter_opens_the_order() {
        let mut s = stream();
        press(&mut s, KeyCode::Char('/'));
        for c in "type:5".chars() {
            press(&mut s, KeyCode::Char(c));
        }
        press(&mut s, KeyCode::Enter);
        assert_eq!(s.shown().iter().map(|r| r.id).collect::<Vec<_>>(), [3]);
        assert_eq!(press(&mut s, KeyCode::Enter), Outcome::Open("111".into()));
        assert_eq!(press(&mut s, KeyCode::Esc), Outcome::Redraw, "esc clears the filter first");
        assert_eq!(s.shown().len(), 3);
        press(&mut s, KeyCode::Char('j'));
        assert_eq!(press(&mut s, KeyCode::Enter), Outcome::Open("222".into()));
        assert_eq!(press(&mut s, KeyCode::Esc), Outcome::Back);
    }

    /// The words the order list's filter knows about pushes mean the same
    /// here, in either language.
    #[test]
    fn the_filter_reads_event_names_types_and_redeliveries() {
        let mut s = stream();
        let mut shown = |q: &str| {
            s.query = q.into();
            s.shown().iter().map(|r| r.id).collect::<Vec<_>>()
        };
        assert_eq!(shown("发货"), [2], "the deliver event by its Chinese name");
        assert_eq!(shown("evt:发货"), [2]);
        assert_eq!(shown("事件:deliver"), [2]);
        assert_eq!(shown("evt:虚拟号"), [3], "ext_info type 5 by its name");
        assert_eq!(shown("类型:5"), [3]);
        assert_eq!(shown("type5"), [3]);
        assert_eq!(shown("late"), [2], "received 600 s after its event");
        assert_eq!(shown("111 pay"), [1], "every word must match");
        assert_eq!(shown("evt:nothing"), Vec::<i64>::new());
        assert_eq!(shown(""), [3, 2, 1]);
    }

    #[test]
    fn a_window_key_reloads_and_new_rows_keep_the_selected_push() {
        let mut s = stream();
        assert_eq!(press(&mut s, KeyCode::Char('2')), Outcome::Nothing, "already the last hour");
        assert_eq!(press(&mut s, KeyCode::Char('1')), Outcome::Reload);
        assert_eq!(s.window, 600);
        press(&mut s, KeyCode::Char('j'));
        let mut rows = vec![row(4, "333", "channels_ec_order_pay", 0, 0)];
        rows.extend(match s.rows.take() {
            Some(Ok(r)) => r,
            _ => unreachable!(),
        });
        s.rows = Some(Ok(rows[1..].to_vec()));
        s.loaded(Ok(rows));
        assert_eq!(s.shown()[s.selected].id, 2, "the selection stays on its push");
        assert_eq!(s.shown().iter().find(|r| r.id == 2).unwrap().late_by(), Some(600));
    }
}
