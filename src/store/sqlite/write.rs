//! Writes: snapshots and messages, each keeping the order's summary row in
//! step so the order list never has to open JSON.

use rusqlite::{Connection, OptionalExtension, params};

use crate::json::{canonical, sha1_hex};
use crate::model::Origin;
use crate::model::{Order, quoted};
use crate::store::types::{
    FullMessage, MessageFields, MessageInsert, NewMessage, PeriodRow, Redelivery, Result, quarantine_key,
};

pub fn add_snapshot(c: &Connection, order: &Order, fetched_at: i64, source: &str) -> Result<bool> {
    let hash = sha1_hex(canonical(&order.raw).as_bytes());
    let body = serde_json::to_string(&order.raw).expect("a JSON value always serialises");
    let inserted = c
        .prepare_cached(
            "INSERT OR IGNORE INTO snapshots (order_id, content_hash, fetched_at, source, status, update_time, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![order.order_id, hash, fetched_at, source, order.status(), order.update_time(), body])?;
    if inserted == 0 {
        return Ok(false);
    }
    ensure_order(c, &order.order_id)?;
    // The summary follows the newest version by the order's own clock, so
    // importing an old version later does not roll the list back.
    let latest: String = c.prepare_cached("SELECT body FROM snapshots WHERE order_id = ?1 ORDER BY update_time DESC, fetched_at DESC, id DESC LIMIT 1")?.query_row([&order.order_id],
        |r| r.get(0),
    )?;
    let latest =
        serde_json::from_str(&latest).ok().and_then(|v| Order::from_order(v).ok()).unwrap_or_else(|| order.clone());
    let ext = latest.tel_ext().unwrap_or_default();
    let activity = latest.update_time().unwrap_or(fetched_at);
    let (product, buyer) = latest.list_text();
    c.prepare_cached(
        "UPDATE orders SET status = ?2, update_time = ?3, use_tel_number = ?4, vnum = ?5, vnum_expire = ?6,
             snapshots = snapshots + 1, last_activity = max(last_activity, ?7), search = ?8, product = ?9, buyer = ?10
         WHERE order_id = ?1",
    )?
    .execute(params![
        order.order_id,
        latest.status(),
        latest.update_time(),
        latest.use_tel_number(),
        ext.virtual_tel_number,
        ext.expire_time,
        activity,
        latest.search_text(),
        product,
        buyer
    ])?;
    Ok(true)
}

fn ensure_order(c: &Connection, order_id: &str) -> Result<()> {
    c.prepare_cached("INSERT OR IGNORE INTO orders (order_id) VALUES (?1)")?.execute([order_id])?;
    Ok(())
}

/// Stores one decrypted push. A message that does not parse is still kept
/// (with its parse error) so nothing that arrived is lost.
pub fn add_message(c: &Connection, m: NewMessage<'_>) -> Result<MessageInsert> {
    add_message_row(c, m, &MessageFields::read(m.plaintext))
}

/// [`add_message`] with the push already read.
pub(super) fn add_message_row(c: &Connection, m: NewMessage<'_>, fields: &MessageFields) -> Result<MessageInsert> {
    let NewMessage { received_at, envelope, plaintext, source, redelivery, inbox_id } = m;
    let source = source.as_str();
    let MessageFields { event, order_id, kind, create_time, error, quarantine, key, type5 } = fields;
    let inserted = c.prepare_cached("INSERT OR IGNORE INTO messages (received_at, event, order_id, type, create_time, envelope, plaintext, parse_error, dup_key, source, quarantine, inbox_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")?.execute(params![received_at, event, order_id, kind, create_time, envelope, plaintext, error, key, source, quarantine, inbox_id],
    )?;
    if inserted == 0 {
        return match redelivery {
            Redelivery::Count => count_redelivery(c, key),
            Redelivery::Ignore => Ok(MessageInsert::Duplicate(
                c.prepare_cached("SELECT id FROM messages WHERE dup_key = ?1")?.query_row([&key], |r| r.get(0))?,
            )),
        };
    }
    let id = c.last_insert_rowid();
    if let Some(order_id) = order_id {
        summary_after_push(c, order_id, *type5, received_at, quoted::event_token(event.as_deref(), *kind))?;
    }
    Ok(MessageInsert::New(id))
}

/// Counts a new push in its order's summary, in one upsert (a push may be
/// the first thing known about an order): its count, the type-5 mark, the
/// last activity, and its `event#type` token once (the filter's `evt:` and
/// `type:`).
fn summary_after_push(c: &Connection, order_id: &str, type5: bool, at: i64, token: Option<String>) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO orders (order_id, messages, type5, last_activity, events)
             VALUES (?1, 1, ?2, ?3, CASE WHEN ?4 = '' THEN '' ELSE ?4 || ' ' END)
         ON CONFLICT(order_id) DO UPDATE SET messages = messages + 1, type5 = max(type5, excluded.type5),
             last_activity = max(last_activity, excluded.last_activity),
             events = CASE WHEN ?4 = '' OR instr(' ' || events, ' ' || ?4 || ' ') > 0 THEN events
                      ELSE events || ?4 || ' ' END",
    )?
    .execute(params![order_id, type5 as i64, at, token.unwrap_or_default()])?;
    Ok(())
}

/// One more delivery of the message stored under `key`.
pub(super) fn count_redelivery(c: &Connection, key: &str) -> Result<MessageInsert> {
    let id: i64 = c
        .prepare_cached("UPDATE messages SET deliveries = deliveries + 1 WHERE dup_key = ?1 RETURNING id")?
        .query_row([key], |r| r.get(0))?;
    Ok(MessageInsert::Duplicate(id))
}

/// Records a receiver period: started, seen alive until `last_seen`, and
/// stopped (or not yet). Returns its id for later heartbeats.
pub fn add_receiver_period(
    c: &Connection,
    started_at: i64,
    last_seen: i64,
    stopped_at: Option<i64>,
    host: Option<&str>,
) -> Result<i64> {
    c.prepare_cached("INSERT INTO receiver_periods (started_at, last_seen, stopped_at, host) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![started_at, last_seen, stopped_at, host])?;
    Ok(c.last_insert_rowid())
}

/// Keeps a correctly signed push that could not be decrypted: the whole body
/// and why. The same body arriving again is counted, not stored twice.
pub fn add_quarantined(c: &Connection, received_at: i64, envelope: &str, reason: &str) -> Result<MessageInsert> {
    let key = quarantine_key(envelope.as_bytes());
    let inserted = c.prepare_cached("INSERT OR IGNORE INTO messages (received_at, envelope, plaintext, parse_error, dup_key, source, quarantine)
         VALUES (?1, ?2, '', ?3, ?4, 'serve', ?3)")?.execute(params![received_at, envelope, reason, key],
    )?;
    if inserted == 0 {
        return count_redelivery(c, &key);
    }
    Ok(MessageInsert::New(c.last_insert_rowid()))
}

/// Replaces a quarantined message by its now-readable plaintext, keeping its
/// receive time, inbox row and delivery count; if that push is already
/// stored, it counts as a delivery. `None` when it is no longer quarantined
/// (another `messages --reprocess` released it first).
pub fn release_quarantined(c: &Connection, id: i64, plaintext: &str) -> Result<Option<MessageInsert>> {
    let Some((received_at, envelope, deliveries, inbox_id)): Option<(i64, Option<String>, i64, Option<i64>)> = c
        .prepare_cached(
            "SELECT received_at, envelope, deliveries, inbox_id FROM messages WHERE id = ?1 AND quarantine IS NOT NULL",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?
    else {
        return Ok(None);
    };
    c.prepare_cached("DELETE FROM messages WHERE id = ?1")?.execute([id])?;
    let fields = MessageFields::read(plaintext);
    let m = NewMessage::new(received_at, plaintext, Origin::Serve).envelope(envelope.as_deref()).inbox_id(inbox_id);
    let out = add_message_row(c, m, &fields)?;
    if let MessageInsert::New(new_id) = out {
        c.prepare_cached("UPDATE messages SET deliveries = ?2 WHERE id = ?1")?.execute(params![new_id, deliveries])?;
    }
    Ok(Some(out))
}

pub fn heartbeat(c: &Connection, period: i64, now: i64) -> Result<()> {
    c.prepare_cached("UPDATE receiver_periods SET last_seen = max(last_seen, ?2) WHERE id = ?1")?
        .execute(params![period, now])?;
    Ok(())
}

pub fn stop_period(c: &Connection, period: i64, now: i64) -> Result<()> {
    c.prepare_cached("UPDATE receiver_periods SET last_seen = ?2, stopped_at = ?2 WHERE id = ?1")?
        .execute(params![period, now])?;
    Ok(())
}

pub fn set_sync_value(c: &Connection, key: &str, value: i64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// Records a fact someone reported about an order.
pub fn add_note(c: &Connection, note: &crate::model::record::Note) -> Result<i64> {
    c.execute(
        "INSERT INTO notes (order_id, at, event, type, text, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![note.order_id, note.at, note.event, note.kind, note.text, note.recorded_at],
    )?;
    Ok(c.last_insert_rowid())
}

/// Adds a receiver period unless the same one is stored (importing a log twice).
pub fn add_receiver_period_once(c: &Connection, p: &PeriodRow) -> Result<bool> {
    let known: i64 = c.query_row(
        "SELECT count(*) FROM receiver_periods WHERE started_at = ?1 AND last_seen = ?2 AND stopped_at IS ?3
             AND host IS ?4",
        params![p.started_at, p.last_seen, p.stopped_at, p.host],
        |r| r.get(0),
    )?;
    if known > 0 {
        return Ok(false);
    }
    add_receiver_period(c, p.started_at, p.last_seen, p.stopped_at, p.host.as_deref())?;
    Ok(true)
}

/// Adds a note unless the same note (every field but its id) is stored.
pub fn add_note_once(c: &Connection, note: &crate::model::record::Note) -> Result<bool> {
    let known: i64 = c.query_row(
        "SELECT count(*) FROM notes WHERE order_id = ?1 AND at IS ?2 AND event IS ?3 AND type IS ?4 AND text = ?5
             AND recorded_at = ?6",
        params![note.order_id, note.at, note.event, note.kind, note.text, note.recorded_at],
        |r| r.get(0),
    )?;
    if known > 0 {
        return Ok(false);
    }
    add_note(c, note)?;
    Ok(true)
}

/// Stores a message as another store holds it, unless its duplicate key is
/// known here; a new one counts in its order's summary like any push.
pub fn put_message(c: &Connection, m: &FullMessage) -> Result<bool> {
    let inserted = c
        .prepare_cached(
            "INSERT OR IGNORE INTO messages (received_at, event, order_id, type, create_time, envelope, plaintext,
                 parse_error, dup_key, deliveries, source, quarantine)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            m.received_at,
            m.event,
            m.order_id,
            m.kind,
            m.create_time,
            m.envelope,
            m.plaintext,
            m.parse_error,
            m.dup_key,
            m.deliveries,
            m.source,
            m.quarantine
        ])?;
    if inserted == 0 {
        return Ok(false);
    }
    if let Some(order_id) = &m.order_id {
        let type5 = crate::model::names::is_type5(m.event.as_deref().unwrap_or(""), m.kind);
        summary_after_push(c, order_id, type5, m.received_at, quoted::event_token(m.event.as_deref(), m.kind))?;
    }
    Ok(true)
}
