//! An order's evidence, loaded from the store: the step between the store
//! (which keeps rows and never reasons) and the explanation (which reasons
//! and never reads). Versions, pushes (the inbox's unprocessed ones
//! included), receiver periods and notes become one `Evidence`, and the
//! story is told from it.

use crate::explain::{Evidence, PushRecord, Story};
use crate::model::{Lang, Origin};
use crate::store::{MessageRow, Result, Store};

/// Everything stored about one order, for the explanation and the
/// two-order comparison: its versions that parse, its pushes, the
/// receivers' up periods and the notes reported about it.
pub fn evidence(store: &Store, order_id: &str) -> Result<Evidence> {
    evidence_at(store, order_id, crate::timefmt::now())
}

/// The same, read as of `now` (the inspector's clock, so its views and
/// their tests agree on what "now" is).
pub fn evidence_at(store: &Store, order_id: &str, now: i64) -> Result<Evidence> {
    Ok(gather(store, order_id, now)?.0)
}

/// The evidence, with the stored messages it read and the stored
/// versions that no longer parse (what the inspector shows beside it).
pub fn gather(store: &Store, order_id: &str, now: i64) -> Result<(Evidence, Vec<MessageRow>, Vec<String>)> {
    let (versions, problems) = store.versions(order_id)?;
    let messages = store.reads().messages(Some(order_id))?;
    let mut pushes: Vec<PushRecord> = messages.iter().map(Into::into).collect();
    let pending = unprocessed(store, order_id, &messages)?;
    // A pending arrival of a push already stored is one more delivery of it.
    for (record, stored) in pending.pushes {
        match stored.and_then(|i| pushes.get_mut(i)) {
            Some(p) => p.deliveries += 1,
            None => pushes.push(record),
        }
    }
    let evidence = Evidence {
        order_id: order_id.to_string(),
        versions,
        pushes,
        periods: store.reads().receiver_periods()?,
        notes: store.reads().notes(order_id)?,
        unprocessed_elsewhere: pending.undecided,
        now,
    };
    Ok((evidence, messages, problems))
}

/// The order's pushes that are in the inbox and not yet processed
/// (received, acknowledged, not in `messages` yet), each with the index
/// of the stored message it repeats if it does; and how many other
/// unprocessed arrivals could not be told apart (unreadable, or past
/// the rows this look reads).
fn unprocessed(store: &Store, order_id: &str, stored: &[MessageRow]) -> Result<Unprocessed> {
    let backlog = store.inbox().backlog()?;
    if backlog.pending == 0 {
        return Ok(Unprocessed::default());
    }
    let (cursor, _) = store.inbox().inbox_state()?;
    let rows = store.inbox().inbox_after(cursor, UNPROCESSED_SCAN)?;
    let mut out = Unprocessed { undecided: (backlog.pending - rows.len() as i64).max(0), ..Default::default() };
    let mut keys: Option<Vec<String>> = None;
    for row in &rows {
        let Some((text, push)) = row.text().and_then(|t| Some((t, crate::model::Push::parse(t).ok()?))) else {
            // Unreadable: it goes to quarantine, and whose it is cannot be told.
            out.undecided += 1;
            continue;
        };
        if push.order_id.as_deref() != Some(order_id) {
            continue;
        }
        let keys = keys.get_or_insert_with(|| {
            stored
                .iter()
                .map(|m| crate::model::Push::parse(&m.plaintext).map(|p| p.dup_key(&m.plaintext)).unwrap_or_default())
                .collect()
        });
        let key = push.dup_key(text);
        let repeats = keys.iter().position(|k| *k == key);
        let record = PushRecord {
            id: row.id,
            received_at: row.received_at,
            created_at: push.create_time,
            event: push.event,
            kind: push.kind,
            deliveries: 1,
            source: Origin::Serve,
            pending: true,
        };
        out.pushes.push((record, repeats));
    }
    Ok(out)
}

/// The order's timeline and explanation, read as of `now`.
pub fn story_at(store: &Store, order_id: &str, now: i64, lang: Lang) -> Result<Story> {
    Ok(crate::explain::story(&evidence_at(store, order_id, now)?, lang))
}

/// The same, read as of the clock.
pub fn story(store: &Store, order_id: &str, lang: Lang) -> Result<Story> {
    Ok(crate::explain::story(&evidence(store, order_id)?, lang))
}

/// Inbox rows read at most when looking for one order's unprocessed pushes:
/// more than a few seconds of pushes at the rates the receiver sustains;
/// beyond them the explanation says it cannot tell.
const UNPROCESSED_SCAN: usize = 10_000;

/// See [`unprocessed`].
#[derive(Default)]
struct Unprocessed {
    pushes: Vec<(PushRecord, Option<usize>)>,
    undecided: i64,
}
