//! The list filter (`/`): what a support person types, parsed once per
//! settled key into terms, then matched against each row's summary without
//! allocating. Pure: no store, clock or terminal.
//!
//! The text is lowercased and split on whitespace; a row must match every
//! term. A term is one of:
//!
//! | typed | matches |
//! |---|---|
//! | `tel:0775`, `尾号0775`, `尾号 0775` | a phone the order shows (`tel_number`, `real_tel_number`, `virtual_order_tel_number`) whose visible digits end in these, or the virtual number's extension. A whole number (`tel:13912340775`) matches the masked `139****0775`: every digit the platform shows agrees |
//! | `ext:0775`, `转0775`, `分机0775` | the virtual number's extension |
//! | `vn:18400984191`, `18400984191-0775`, `18400984191转0775` | the virtual number (host contains the digits; with an extension, the extension too) |
//! | `wb:sf326` (`运单:`) | a waybill id containing it, or a carrier (`delivery_id`, `delivery_name`) containing it |
//! | `carrier:顺丰` (`快递:`) | a carrier only |
//! | `evt:deliver`, `evt:发货` (`事件:`) | a push received for the order whose event contains it, or whose event or ext_info type is named so in either language |
//! | `type:5` (`类型:`) | a push of that `type` received for the order |
//! | `since:10m` (`2h`, `3d`, `90s`) | activity (a version or a push) within that span of now |
//! | four digits (`0775`) | a phone tail or extension (as `tel:`), or an order id containing them, or any text; the list then says how many matched which ([`Which`]), and the phone-tail matches come first (a buyer quoting a tail wants those few, not the ids that happen to contain it), each group in the list's usual order |
//! | seven digits or more | the text (ids, waybills), the virtual number's host, or a phone shown with that many digits |
//! | anything else | the order id, product titles, the buyer's masked name, waybill ids, the status (code or name), the number's state (`有效`, `expired`), `type5`/`⚑5` |
//!
//! A prefix this table does not know (`https:`) is plain text, and so is a
//! known one with nothing after it or a value it cannot read (`since:soon`).
//! Prefixes may be written with a full-width colon (`tel：0775`).

use memchr::memmem::Finder;

use crate::model::names::{self, Lang};
use crate::model::vnum::{VnumState, state_of};

mod index;

use crate::store::OrderRow;
pub use index::Index;
use index::Row;

/// Every state a number can be in, to look names up the other way.
const STATES: [VnumState; 5] =
    [VnumState::None, VnumState::Pending, VnumState::Active, VnumState::Extendable, VnumState::Expired];

/// A piece of text to look for, with its searcher built once per query:
/// over 100,000 rows, `str::contains` spent most of a filter's time setting
/// up a new searcher for every row.
#[derive(Debug, Clone)]
struct Needle {
    text: String,
    finder: Finder<'static>,
}

impl Needle {
    fn new(text: impl Into<String>) -> Needle {
        let text = text.into();
        let finder = Finder::new(text.as_bytes()).into_owned();
        Needle { text, finder }
    }

    fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `haystack` contains it.
    fn is_in(&self, haystack: &str) -> bool {
        self.finder.find(haystack.as_bytes()).is_some()
    }
}

/// A parsed filter.
#[derive(Debug, Clone, Default)]
pub struct Query {
    terms: Vec<Term>,
    now: i64,
}

#[derive(Debug, Clone)]
enum Term {
    Text(Text),
    Tel(String),
    Ext(String),
    Vn {
        host: Needle,
        ext: Option<String>,
    },
    Waybill(Needle),
    Carrier(Needle),
    Event(EventTerm),
    /// `#N`: the end of a push token of that type.
    Type(String),
    Since(i64),
    /// A bare four-digit number.
    Tail(Text),
    /// A bare number of seven digits or more.
    Number(Text),
}

/// Free text, as the filter always matched it; what it could name is looked
/// up once here, not per row.
#[derive(Debug, Clone)]
struct Text {
    text: Needle,
    /// The term as a status code (`20`).
    code: Option<i64>,
    /// Status codes whose name contains the term.
    statuses: Vec<i64>,
    /// Number states whose name contains the term.
    states: Vec<VnumState>,
    /// `type5` / `⚑5`: the order got a type-5 push.
    type5: bool,
}

/// `evt:` (and, in the push stream, a bare word): an event named so in
/// either language, or a push token containing the text.
#[derive(Debug, Clone)]
pub(in crate::tui) struct EventTerm {
    text: String,
    /// Known events named so (raw, Chinese or English).
    events: Vec<&'static str>,
    /// `channels_ec_order_ext_info_update#N` for the types named so.
    types: Vec<String>,
}

/// How many of the listed orders a bare four-digit number matched, by what:
/// "尾号 0775：3 · 订单号含 0775：206".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Which {
    pub digits: String,
    /// By a phone tail or the virtual number's extension.
    pub tail: usize,
    /// By the order id (an order may be counted in both).
    pub id: usize,
    /// By neither: a product title, a waybill.
    pub elsewhere: usize,
}

impl Which {
    /// The counts as short phrases, to be joined by " · " or stacked when
    /// the line is narrow. "Elsewhere" only when there are any.
    pub fn phrases(&self, lang: Lang) -> Vec<String> {
        let d = &self.digits;
        let n = |v: usize| crate::text::thousands(v as i64);
        let mut out = match lang {
            Lang::Zh => vec![format!("尾号 {d}：{}", n(self.tail)), format!("订单号含 {d}：{}", n(self.id))],
            Lang::En => vec![format!("phone tail {d}: {}", n(self.tail)), format!("id contains {d}: {}", n(self.id))],
        };
        if self.elsewhere > 0 {
            out.push(match lang {
                Lang::Zh => format!("其他字段：{}", n(self.elsewhere)),
                Lang::En => format!("elsewhere: {}", n(self.elsewhere)),
            });
        }
        out
    }
}

/// The rows that pass, as indices into the list, and for a bare four-digit
/// number what they matched by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub visible: Vec<usize>,
    pub which: Option<Which>,
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A phone tail or number as typed: digits, with `*` allowed for a masked
/// number copied whole.
fn is_phone(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'*') && s.bytes().any(|b| b.is_ascii_digit())
}

/// Whether `typed` agrees with the end of `shown` (a phone as the platform
/// shows it, masked with `*`): each typed digit equals the shown one or
/// falls on a mask.
fn phone_agrees(shown: &str, typed: &str) -> bool {
    typed.len() <= shown.len()
        && shown.bytes().rev().zip(typed.bytes().rev()).all(|(s, t)| s == b'*' || s == t || t == b'*')
}

/// `HOST-EXT`, `HOST转EXT`, `HOST,EXT`: a virtual number with its extension.
fn virtual_number(s: &str) -> Option<(&str, &str)> {
    let (host, ext) = s.split_once(['-', '转', ',', '，'])?;
    (host.len() >= 7 && is_digits(host) && is_digits(ext)).then_some((host, ext))
}

impl Text {
    fn new(text: &str) -> Text {
        let code = text.parse::<i64>().ok().filter(|c| c.to_string() == text);
        // Every status code the platform has is under 1000.
        let statuses = (0..1000)
            .filter(|&c| names::status(c).is_some_and(|n| n.zh.contains(text) || n.en.contains(text)))
            .collect();
        let states = STATES.into_iter().filter(|s| s.names().iter().any(|n| n.contains(text))).collect();
        let type5 = text == "type5" || text == "⚑5";
        Text { text: Needle::new(text), code, statuses, states, type5 }
    }

    fn matches(&self, row: &Row<'_>, now: i64) -> bool {
        let e = row.entry;
        self.text.is_in(row.words())
            || (self.code.is_some() && self.code == e.status)
            || e.status.is_some_and(|s| self.statuses.contains(&s))
            || (!self.states.is_empty()
                && self.states.contains(&state_of(e.use_tel_number, e.has_vnum, e.vnum_expire, now)))
            || (self.type5 && e.type5)
    }
}

impl EventTerm {
    /// `text` lowercased, as the filter reads it.
    pub(in crate::tui) fn new(text: &str) -> EventTerm {
        let named = |n: names::Name| n.zh.contains(text) || n.en.to_lowercase().contains(text);
        let events =
            names::EVENTS.iter().copied().filter(|e| e.contains(text) || names::event(e).is_some_and(named)).collect();
        let types = (1..=23)
            .filter(|&t| names::ext_info_type(t).is_some_and(named))
            .map(|t| format!("channels_ec_order_ext_info_update#{t}"))
            .collect();
        EventTerm { text: text.to_string(), events, types }
    }

    /// Whether a push token (`event#type`) matches.
    pub(in crate::tui) fn accepts(&self, token: &str) -> bool {
        let event = token.split_once('#').map_or(token, |(e, _)| e);
        token.contains(&self.text) || self.events.contains(&event) || self.types.iter().any(|t| t == token)
    }
}

/// A phone tail or extension: what `tel:` and a bare four-digit number look for.
fn tail_matches(facts: &Facts<'_>, digits: &str) -> bool {
    facts.of(TEL).any(|p| phone_agrees(p, digits)) || facts.of(EXT).any(|e| e.ends_with(digits))
}

/// The groups of a row's facts, by their place in [`index::TAGS`].
const TEL: usize = 0;
const VN: usize = 1;
const EXT: usize = 2;
const WB: usize = 3;
const CARRIER: usize = 4;

/// A row's tagged facts, grouped by tag.
struct Facts<'a>(Row<'a>);

impl<'a> Facts<'a> {
    /// The values of one group.
    fn of(&self, g: usize) -> impl Iterator<Item = &'a str> + 'a {
        self.0.group(g).split(' ').filter(|v| !v.is_empty())
    }

    /// Whether a value of the group contains `n`: the needle holds no
    /// space, so searching the whole group is the same and one search.
    fn has(&self, g: usize, n: &Needle) -> bool {
        n.is_in(self.0.group(g))
    }
}

impl Term {
    /// A term with a known prefix (`tel`, `wb`) and a non-empty value, or
    /// `None` when the prefix is not one of ours or the value does not read.
    fn prefixed(prefix: &str, value: &str, now: i64) -> Option<Term> {
        if value.is_empty() {
            return None;
        }
        Some(match prefix {
            "tel" | "phone" | "尾号" if is_phone(value) => Term::Tel(value.to_string()),
            "ext" | "转" | "分机" if is_digits(value) => Term::Ext(value.to_string()),
            "vn" => match virtual_number(value) {
                Some((host, ext)) => Term::Vn { host: Needle::new(host), ext: Some(ext.into()) },
                None if is_digits(value) => Term::Vn { host: Needle::new(value), ext: None },
                None => return None,
            },
            "wb" | "运单" => Term::Waybill(Needle::new(value)),
            "carrier" | "快递" => Term::Carrier(Needle::new(value)),
            "evt" | "event" | "事件" => Term::Event(EventTerm::new(value)),
            "type" | "类型" if is_digits(value) => Term::Type(format!("#{}", value.trim_start_matches('0').max("0"))),
            "since" => Term::Since(now.saturating_sub(crate::timefmt::parse_duration(value).ok()?)),
            _ => return None,
        })
    }

    /// A word without a prefix.
    fn bare(word: &str, now: i64) -> Term {
        // Chinese written without a colon: 尾号0775, 转0775, 分机0775.
        for prefix in ["尾号", "转", "分机"] {
            if let Some(rest) = word.strip_prefix(prefix)
                && let Some(term) = Term::prefixed(prefix, rest, now)
            {
                return term;
            }
        }
        if let Some((host, ext)) = virtual_number(word) {
            return Term::Vn { host: Needle::new(host), ext: Some(ext.into()) };
        }
        match word.len() {
            4 if is_digits(word) => Term::Tail(Text::new(word)),
            n if n >= 7 && is_digits(word) => Term::Number(Text::new(word)),
            _ => Term::Text(Text::new(word)),
        }
    }

    /// Whether the term reads the pushes received, which are decided once
    /// per distinct push token of the list ([`Term::accepts`]).
    fn is_about_pushes(&self) -> bool {
        matches!(self, Term::Event(_) | Term::Type(_))
    }

    /// Whether a push token (`event#type`) passes a term about pushes.
    fn accepts(&self, token: &str) -> bool {
        match self {
            Term::Event(e) => e.accepts(token),
            Term::Type(suffix) => token.ends_with(suffix.as_str()),
            _ => false,
        }
    }

    /// Whether a row passes; `tokens` says which of the list's push tokens
    /// this term accepts (empty for terms not about pushes).
    fn matches(&self, row: &Row<'_>, now: i64, tokens: &[bool]) -> bool {
        let facts = Facts(*row);
        match self {
            Term::Text(t) => t.matches(row, now),
            Term::Tel(digits) => tail_matches(&facts, digits),
            Term::Ext(digits) => facts.of(EXT).any(|e| e.ends_with(digits.as_str())),
            Term::Vn { host, ext } => facts.has(VN, host) && ext.as_ref().is_none_or(|x| facts.of(EXT).any(|e| e == x)),
            Term::Waybill(w) => facts.has(WB, w) || facts.has(CARRIER, w),
            Term::Carrier(c) => facts.has(CARRIER, c),
            Term::Event(_) | Term::Type(_) => row.tokens().iter().any(|&t| tokens[t as usize]),
            Term::Since(cutoff) => row.entry.last_activity >= *cutoff,
            Term::Tail(t) => tail_matches(&facts, t.text.as_str()) || t.matches(row, now),
            Term::Number(t) => {
                let digits = t.text.as_str();
                t.matches(row, now)
                    || facts.has(VN, &t.text)
                    || facts.of(TEL).any(|p| p.len() == digits.len() && phone_agrees(p, digits))
            }
        }
    }
}

impl Query {
    /// Parses what was typed; `now` is the time `since:` counts back from.
    pub fn parse(text: &str, now: i64) -> Query {
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let mut terms = Vec::with_capacity(words.len());
        let mut i = 0;
        while i < words.len() {
            let word = words[i];
            i += 1;
            // `尾号 0775` and `转 0775`: the prefix as a word of its own.
            let alone = word.trim_end_matches([':', '：']);
            if matches!(alone, "尾号" | "转" | "分机")
                && let Some(term) = words.get(i).and_then(|next| Term::prefixed(alone, next, now))
            {
                terms.push(term);
                i += 1;
                continue;
            }
            let prefixed = word.split_once([':', '：']).and_then(|(prefix, value)| Term::prefixed(prefix, value, now));
            terms.push(prefixed.unwrap_or_else(|| Term::bare(word, now)));
        }
        Query { terms, now }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether row `i` of the index passes every term; `tokens` as
    /// [`Query::accepted_tokens`] gives them.
    fn passes(&self, index: &Index, i: usize, tokens: &[Vec<bool>]) -> bool {
        let row = index.row(i);
        self.terms.iter().zip(tokens).all(|(t, ok)| t.matches(&row, self.now, ok))
    }

    /// Whether one row passes every term (the list is filtered through an
    /// [`Index`] instead).
    pub fn matches(&self, row: &OrderRow) -> bool {
        let index = Index::of_one(row);
        self.passes(&index, 0, &self.accepted_tokens(&index))
    }

    /// For each term, which of the list's distinct push tokens it accepts.
    fn accepted_tokens(&self, index: &Index) -> Vec<Vec<bool>> {
        self.terms
            .iter()
            .map(|t| match t.is_about_pushes() {
                true => index.tokens.iter().map(|token| t.accepts(token)).collect(),
                false => Vec::new(),
            })
            .collect()
    }

    /// The first bare four-digit number, whose matches are counted by kind.
    fn tail(&self) -> Option<&Needle> {
        self.terms.iter().find_map(|t| match t {
            Term::Tail(t) => Some(&t.text),
            _ => None,
        })
    }

    /// The rows that pass, in list order, except that with a bare
    /// four-digit number those matched by phone tail come first.
    pub fn filter(&self, index: &Index) -> Found {
        let all = 0..index.len();
        if self.terms.is_empty() {
            return Found { visible: all.collect(), which: None };
        }
        let tokens = self.accepted_tokens(index);
        let Some(digits) = self.tail() else {
            return Found { visible: all.filter(|&i| self.passes(index, i, &tokens)).collect(), which: None };
        };
        let mut which = Which { digits: digits.as_str().to_string(), tail: 0, id: 0, elsewhere: 0 };
        let (mut by_tail, mut rest) = (Vec::new(), Vec::new());
        for i in all {
            if !self.passes(index, i, &tokens) {
                continue;
            }
            let row = index.row(i);
            let tail = tail_matches(&Facts(row), digits.as_str());
            let id = digits.is_in(row.order_id());
            which.tail += tail as usize;
            which.id += id as usize;
            which.elsewhere += (!tail && !id) as usize;
            if tail { by_tail.push(i) } else { rest.push(i) }
        }
        by_tail.append(&mut rest);
        Found { visible: by_tail, which: Some(which) }
    }
}

#[cfg(test)]
mod tests;
