//! The writes on PostgreSQL, with the same meaning as SQLite's: a
//! redelivered push (same duplicate key) is stored once and counted through
//! the unique key (`ON CONFLICT`), versions are deduplicated by content
//! hash, and each write keeps its order's summary row in step.

use postgres::Row;
use postgres::types::ToSql;

use super::{Conn, lost, no_nul, plain};
use crate::json::{canonical, sha1_hex};
use crate::model::Origin;
use crate::model::record::Note;
use crate::model::{Order, Push, quoted};
use crate::store::backend::Tx;
use crate::store::types::{
    Arrival, FullMessage, InboxRow, MESSAGES, MessageFields, MessageInsert, NewMessage, PeriodRow, Projected,
    Redelivery, Result, StoreError, quarantine_key,
};

/// An open transaction. The first failed statement is kept: PostgreSQL
/// aborts the transaction there, so the whole write must fail.
pub(super) struct PgTx<'a> {
    pub(super) conn: &'a mut Conn,
    pub(super) failed: Option<StoreError>,
    /// Committed without waiting for the disk (see [`Tx::derived_only`]).
    pub(super) derived: bool,
}

impl PgTx<'_> {
    /// A message, from an inbox row when `inbox_id` is given.
    fn insert_message(&mut self, m: NewMessage<'_>) -> Result<MessageInsert> {
        let NewMessage { received_at, envelope, plaintext, source, redelivery, inbox_id } = m;
        let source = source.as_str();
        let MessageFields { event, order_id, kind, create_time, error, quarantine, key, type5 } =
            MessageFields::read(plaintext);
        let token = quoted::event_token(event.as_deref(), kind).map(|t| no_nul(&t).into_owned()).unwrap_or_default();
        let envelope = envelope.map(no_nul);
        let text = no_nul(plaintext);
        // One statement, one round trip: the message if its key is new and
        // its order's summary with it, or else the known message's delivery
        // counted (or just its id). It runs after this transaction took the
        // writers' lock, so its snapshot holds every committed message.
        let rows = self.q(
            "WITH ins AS (
                 INSERT INTO messages (received_at, event, order_id, type, create_time, envelope, plaintext,
                     parse_error, dup_key, source, quarantine, inbox_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (dup_key) DO NOTHING RETURNING id),
             summary AS (
                 INSERT INTO orders (order_id, messages, type5, last_activity, events)
                 SELECT $3, 1, $13::bigint, $1, CASE WHEN $15::text = '' THEN '' ELSE $15::text || ' ' END
                 FROM ins WHERE $3::text IS NOT NULL
                 ON CONFLICT (order_id) DO UPDATE SET messages = orders.messages + 1,
                     type5 = GREATEST(orders.type5, excluded.type5),
                     last_activity = GREATEST(orders.last_activity, excluded.last_activity),
                     events = CASE WHEN $15::text = '' OR strpos(' ' || orders.events, ' ' || $15::text || ' ') > 0
                              THEN orders.events ELSE orders.events || $15::text || ' ' END),
             counted AS (
                 UPDATE messages SET deliveries = deliveries + 1
                 WHERE dup_key = $9 AND $14 AND NOT EXISTS (SELECT 1 FROM ins) RETURNING id)
             SELECT id, true FROM ins
             UNION ALL SELECT id, false FROM counted
             UNION ALL SELECT id, false FROM messages WHERE dup_key = $9 AND NOT $14 AND NOT EXISTS (SELECT 1 FROM ins)",
            &[
                &received_at,
                &event,
                &order_id,
                &kind,
                &create_time,
                &envelope.as_deref(),
                &text.as_ref(),
                &error,
                &key,
                &source,
                &quarantine,
                &inbox_id,
                &(type5 as i64),
                &(redelivery == Redelivery::Count),
                &token,
            ],
        )?;
        Ok(match rows.first() {
            Some(r) if r.get::<_, bool>(1) => MessageInsert::New(r.get(0)),
            Some(r) => MessageInsert::Duplicate(r.get(0)),
            None => MessageInsert::Duplicate(0),
        })
    }

    fn q(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        if let Some(e) = &self.failed {
            return Err(StoreError::Postgres(e.to_string()));
        }
        self.conn.query(sql, params).map_err(|e| {
            let err = match e.code() {
                Some(c)
                    if *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                        || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED =>
                {
                    StoreError::Retry(plain(&e))
                }
                _ if lost(&e) => StoreError::Unreachable("lost the connection to the PostgreSQL store".into()),
                _ => StoreError::Postgres(format!("PostgreSQL store: {}", plain(&e))),
            };
            self.failed = Some(match &err {
                StoreError::Retry(m) => StoreError::Retry(m.clone()),
                StoreError::Unreachable(m) => StoreError::Unreachable(m.clone()),
                other => StoreError::Postgres(other.to_string()),
            });
            err
        })
    }

    /// Counts a new push in its order's summary, with its `event#type`
    /// token added once (the filter's `evt:` and `type:`).
    fn order_summary_after_message(
        &mut self,
        order_id: &str,
        type5: bool,
        received_at: i64,
        token: Option<String>,
    ) -> Result<()> {
        let token = token.map(|t| no_nul(&t).into_owned()).unwrap_or_default();
        self.q(
            "INSERT INTO orders (order_id, messages, type5, last_activity, events)
                 VALUES ($1, 1, $2, $3, CASE WHEN $4::text = '' THEN '' ELSE $4::text || ' ' END)
             ON CONFLICT (order_id) DO UPDATE SET messages = orders.messages + 1,
                 type5 = GREATEST(orders.type5, excluded.type5),
                 last_activity = GREATEST(orders.last_activity, excluded.last_activity),
                 events = CASE WHEN $4::text = '' OR strpos(' ' || orders.events, ' ' || $4::text || ' ') > 0
                          THEN orders.events ELSE orders.events || $4::text || ' ' END",
            &[&order_id, &(type5 as i64), &received_at, &token],
        )?;
        Ok(())
    }

    fn count_redelivery(&mut self, key: &str) -> Result<MessageInsert> {
        let rows =
            self.q("UPDATE messages SET deliveries = deliveries + 1 WHERE dup_key = $1 RETURNING id", &[&key])?;
        Ok(MessageInsert::Duplicate(rows.first().map(|r| r.get(0)).unwrap_or(0)))
    }
}

impl Tx for PgTx<'_> {
    fn add_snapshot(&mut self, order: &Order, fetched_at: i64, source: Origin) -> Result<bool> {
        let source = source.as_str();
        let hash = sha1_hex(canonical(&order.raw).as_bytes());
        let body = serde_json::to_string(&order.raw).expect("a JSON value always serialises");
        let body = no_nul(&body);
        let inserted = self.q(
            "INSERT INTO snapshots (order_id, content_hash, fetched_at, source, status, update_time, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (order_id, content_hash) DO NOTHING RETURNING id",
            &[&order.order_id, &hash, &fetched_at, &source, &order.status(), &order.update_time(), &body.as_ref()],
        )?;
        if inserted.is_empty() {
            return Ok(false);
        }
        self.q("INSERT INTO orders (order_id) VALUES ($1) ON CONFLICT (order_id) DO NOTHING", &[&order.order_id])?;
        // The summary follows the newest version by the order's own clock.
        let latest = self.q(
            "SELECT body FROM snapshots WHERE order_id = $1
             ORDER BY update_time DESC NULLS LAST, fetched_at DESC, id DESC LIMIT 1",
            &[&order.order_id],
        )?;
        let latest = latest
            .first()
            .and_then(|r| serde_json::from_str(r.get::<_, &str>(0)).ok())
            .and_then(|v| Order::from_order(v).ok())
            .unwrap_or_else(|| order.clone());
        let ext = latest.tel_ext().unwrap_or_default();
        let activity = latest.update_time().unwrap_or(fetched_at);
        let (product, buyer) = latest.list_text();
        self.q(
            "UPDATE orders SET status = $2, update_time = $3, use_tel_number = $4, vnum = $5, vnum_expire = $6,
                 snapshots = snapshots + 1, last_activity = GREATEST(last_activity, $7), search = $8,
                 product = $9, buyer = $10
             WHERE order_id = $1",
            &[
                &order.order_id,
                &latest.status(),
                &latest.update_time(),
                &latest.use_tel_number(),
                &ext.virtual_tel_number,
                &ext.expire_time,
                &activity,
                &no_nul(&latest.search_text()).as_ref(),
                &no_nul(&product).as_ref(),
                &no_nul(&buyer).as_ref(),
            ],
        )?;
        Ok(true)
    }

    fn derived_only(&mut self) -> Result<()> {
        self.derived = true;
        Ok(())
    }

    fn add_message(&mut self, m: NewMessage<'_>) -> Result<MessageInsert> {
        self.insert_message(m)
    }

    fn append_inbox(&mut self, arrivals: &[(Arrival<'_>, &str)]) -> Result<Vec<i64>> {
        if arrivals.is_empty() {
            return Ok(Vec::new());
        }
        let received: Vec<i64> = arrivals.iter().map(|(a, _)| a.received_at).collect();
        let keys: Vec<&str> = arrivals.iter().map(|(_, k)| *k).collect();
        let queries: Vec<String> = arrivals.iter().map(|(a, _)| no_nul(a.query).into_owned()).collect();
        let types: Vec<Option<String>> =
            arrivals.iter().map(|(a, _)| a.content_type.map(|t| no_nul(t).into_owned())).collect();
        let envelopes: Vec<&[u8]> = arrivals.iter().map(|(a, _)| a.envelope).collect();
        let plaintexts: Vec<Option<&[u8]>> = arrivals.iter().map(|(a, _)| a.plaintext).collect();
        let problems: Vec<Option<String>> =
            arrivals.iter().map(|(a, _)| a.problem.map(|p| no_nul(p).into_owned())).collect();
        // One statement for the group; ids are drawn in the group's order
        // (and, under the writers' lock, follow each other).
        let rows = self.q(
            "INSERT INTO inbox (received_at, dup_key, query, content_type, envelope, plaintext, problem)
             SELECT received_at, dup_key, query, content_type, envelope, plaintext, problem
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::bytea[], $7::text[])
                 WITH ORDINALITY AS u(received_at, dup_key, query, content_type, envelope, plaintext, problem, ord)
             ORDER BY ord RETURNING id",
            &[&received, &keys, &queries, &types, &envelopes, &plaintexts, &problems],
        )?;
        let mut ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        ids.sort_unstable();
        Ok(ids)
    }

    fn project_inbox(
        &mut self,
        limit: usize,
        quarantine: Option<&str>,
    ) -> Result<(Vec<InboxRow>, Vec<Projected>, i64)> {
        // The stored cursor and the rows after it, in one round trip.
        let found = self.q(
            "WITH c AS (SELECT coalesce(max(last_id), 0) AS at FROM projector_cursor WHERE name = $1)
             SELECT i.id, i.received_at, i.dup_key, i.query, i.content_type, i.envelope, i.plaintext, i.problem, c.at
             FROM c LEFT JOIN LATERAL
                 (SELECT * FROM inbox WHERE id > c.at ORDER BY id LIMIT $2) i ON true
             ORDER BY i.id",
            &[&MESSAGES, &(limit as i64)],
        )?;
        let cursor: i64 = found.first().map_or(0, |r| r.get(8));
        let rows: Vec<InboxRow> =
            found.iter().filter(|r| r.get::<_, Option<i64>>(0).is_some()).map(super::read::inbox_row).collect();
        let mut projected = Vec::with_capacity(rows.len());
        for row in &rows {
            let reason = quarantine.map(str::to_string).or_else(|| row.quarantine_reason());
            let quarantined = reason.is_some() || row.text().is_none();
            let (outcome, order_id) = match (reason, row.text()) {
                (None, Some(text)) => {
                    let order_id = Push::parse(text).ok().and_then(|p| p.order_id);
                    let m = NewMessage::new(row.received_at, text, Origin::Serve).inbox_id(Some(row.id));
                    let outcome = self.insert_message(m)?;
                    (outcome, order_id)
                }
                (reason, _) => {
                    let plaintext = row.plaintext.as_deref().and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("");
                    let plaintext = no_nul(plaintext);
                    let reason = reason.unwrap_or_default();
                    let inserted = self.q(
                        "INSERT INTO messages (received_at, plaintext, parse_error, dup_key, source, quarantine, inbox_id)
                         VALUES ($1, $2, $3, $4, 'serve', $3, $5) ON CONFLICT (dup_key) DO NOTHING RETURNING id",
                        &[&row.received_at, &plaintext.as_ref(), &reason, &row.dup_key, &row.id],
                    )?;
                    let outcome = match inserted.first() {
                        Some(r) => MessageInsert::New(r.get(0)),
                        None => self.count_redelivery(&row.dup_key)?,
                    };
                    (outcome, None)
                }
            };
            projected.push(Projected { inbox_id: row.id, outcome, quarantined, order_id });
        }
        let cursor = rows.last().map_or(cursor, |r| r.id);
        if !rows.is_empty() {
            self.q(
                "INSERT INTO projector_cursor (name, last_id) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id",
                &[&MESSAGES, &cursor],
            )?;
        }
        Ok((rows, projected, cursor))
    }

    fn add_quarantined(&mut self, received_at: i64, envelope: &str, reason: &str) -> Result<MessageInsert> {
        let key = quarantine_key(envelope.as_bytes());
        let envelope = no_nul(envelope);
        let inserted = self.q(
            "INSERT INTO messages (received_at, envelope, plaintext, parse_error, dup_key, source, quarantine)
             VALUES ($1, $2, '', $3, $4, 'serve', $3) ON CONFLICT (dup_key) DO NOTHING RETURNING id",
            &[&received_at, &envelope.as_ref(), &reason, &key],
        )?;
        match inserted.first() {
            Some(r) => Ok(MessageInsert::New(r.get(0))),
            None => self.count_redelivery(&key),
        }
    }

    fn release_quarantined(&mut self, id: i64, plaintext: &str) -> Result<Option<MessageInsert>> {
        // A concurrent run that released it first holds the row until it
        // commits; this DELETE then finds nothing.
        let rows = self.q(
            "DELETE FROM messages WHERE id = $1 AND quarantine IS NOT NULL
             RETURNING received_at, envelope, deliveries, inbox_id",
            &[&id],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let (received_at, envelope, deliveries, inbox_id): (i64, Option<String>, i64, Option<i64>) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let m = NewMessage::new(received_at, plaintext, Origin::Serve).envelope(envelope.as_deref()).inbox_id(inbox_id);
        let out = self.insert_message(m)?;
        if let MessageInsert::New(new_id) = out {
            self.q("UPDATE messages SET deliveries = $2 WHERE id = $1", &[&new_id, &deliveries])?;
        }
        Ok(Some(out))
    }

    fn add_receiver_period(
        &mut self,
        started_at: i64,
        last_seen: i64,
        stopped_at: Option<i64>,
        host: Option<&str>,
    ) -> Result<i64> {
        let rows = self.q(
            "INSERT INTO receiver_periods (started_at, last_seen, stopped_at, host) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&started_at, &last_seen, &stopped_at, &host],
        )?;
        Ok(rows[0].get(0))
    }

    fn add_receiver_period_once(&mut self, p: &PeriodRow) -> Result<bool> {
        let known = self.q(
            "SELECT 1 FROM receiver_periods WHERE started_at = $1 AND last_seen = $2
                 AND stopped_at IS NOT DISTINCT FROM $3 AND host IS NOT DISTINCT FROM $4",
            &[&p.started_at, &p.last_seen, &p.stopped_at, &p.host],
        )?;
        if !known.is_empty() {
            return Ok(false);
        }
        self.add_receiver_period(p.started_at, p.last_seen, p.stopped_at, p.host.as_deref())?;
        Ok(true)
    }

    fn heartbeat(&mut self, period: i64, now: i64) -> Result<()> {
        self.q("UPDATE receiver_periods SET last_seen = GREATEST(last_seen, $2) WHERE id = $1", &[&period, &now])?;
        Ok(())
    }

    fn stop_period(&mut self, period: i64, now: i64) -> Result<()> {
        self.q("UPDATE receiver_periods SET last_seen = $2, stopped_at = $2 WHERE id = $1", &[&period, &now])?;
        Ok(())
    }

    fn set_sync_value(&mut self, key: &str, value: i64) -> Result<()> {
        self.q(
            "INSERT INTO sync_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn add_note(&mut self, note: &Note) -> Result<i64> {
        let text = no_nul(&note.text);
        let rows = self.q(
            "INSERT INTO notes (order_id, at, event, type, text, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[&note.order_id, &note.at, &note.event, &note.kind, &text.as_ref(), &note.recorded_at],
        )?;
        Ok(rows[0].get(0))
    }

    fn add_note_once(&mut self, note: &Note) -> Result<bool> {
        let text = no_nul(&note.text);
        let known = self.q(
            "SELECT 1 FROM notes WHERE order_id = $1 AND at IS NOT DISTINCT FROM $2 AND event IS NOT DISTINCT FROM $3
                 AND type IS NOT DISTINCT FROM $4 AND text = $5 AND recorded_at = $6",
            &[&note.order_id, &note.at, &note.event, &note.kind, &text.as_ref(), &note.recorded_at],
        )?;
        if !known.is_empty() {
            return Ok(false);
        }
        self.add_note(note)?;
        Ok(true)
    }

    fn put_message(&mut self, m: &FullMessage) -> Result<bool> {
        let envelope = m.envelope.as_deref().map(no_nul);
        let text = no_nul(&m.plaintext);
        // A store written before NUL was refused in ids may hold one in any
        // of these: copied with U+FFFD in its place rather than aborting.
        let event = m.event.as_deref().map(no_nul);
        let order_id = m.order_id.as_deref().map(no_nul);
        let dup_key = no_nul(&m.dup_key);
        let parse_error = m.parse_error.as_deref().map(no_nul);
        let quarantine = m.quarantine.as_deref().map(no_nul);
        let inserted = self.q(
            "INSERT INTO messages (received_at, event, order_id, type, create_time, envelope, plaintext, parse_error,
                 dup_key, deliveries, source, quarantine)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (dup_key) DO NOTHING RETURNING id",
            &[
                &m.received_at,
                &event.as_deref(),
                &order_id.as_deref(),
                &m.kind,
                &m.create_time,
                &envelope.as_deref(),
                &text.as_ref(),
                &parse_error.as_deref(),
                &dup_key.as_ref(),
                &m.deliveries,
                &m.source,
                &quarantine.as_deref(),
            ],
        )?;
        if inserted.is_empty() {
            return Ok(false);
        }
        if let Some(order_id) = &order_id {
            let type5 = crate::model::names::is_type5(m.event.as_deref().unwrap_or(""), m.kind);
            let token = quoted::event_token(m.event.as_deref(), m.kind);
            self.order_summary_after_message(order_id, type5, m.received_at, token)?;
        }
        Ok(true)
    }
}
