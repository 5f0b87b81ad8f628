//! The receiver's group of pushes in one round trip: the whole transaction
//! (the writers' lock, the notification, the messages, the delivery counts
//! of redeliveries, the orders' summaries, the commit) goes to the server
//! as one simple-query message, so a group costs one exchange with the
//! server and one WAL flush, however many pushes it holds.
//!
//! Values travel as SQL literals: strings quoted with every `'` doubled
//! under `standard_conforming_strings = on` (set on every connection), NUL
//! characters already replaced, numbers written by Rust. Each statement of
//! the message takes its own snapshot, so the statement that stores the
//! pushes sees everything committed before the lock was granted.

use std::collections::HashMap;
use std::fmt::Write as _;

use postgres::SimpleQueryMessage;

use super::super::{MessageInsert, NewPush, Result, StoreError};
use super::tx::{Parsed, parse};
use super::{CHANNEL, Postgres, WRITE_LOCK, no_nul};

fn text(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push('\'');
            out.push_str(&no_nul(s).replace('\'', "''"));
            out.push_str("'::text");
        }
        None => out.push_str("NULL::text"),
    }
}

fn int(out: &mut String, v: Option<i64>) {
    match v {
        Some(v) => {
            let _ = write!(out, "{v}::bigint");
        }
        None => out.push_str("NULL::bigint"),
    }
}

/// One row per distinct duplicate key: the first push with it, and how
/// many times the group holds it.
fn transaction(pushes: &[NewPush<'_>], parsed: &[Parsed], firsts: &[(usize, i64)]) -> String {
    let mut sql = format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK}); NOTIFY {CHANNEL};\n");
    sql.push_str(
        "WITH u (ord, received_at, envelope, plaintext, source, event, order_id, type, create_time, parse_error,
             dup_key, quarantine, n, type5) AS (VALUES ",
    );
    for (k, &(i, n)) in firsts.iter().enumerate() {
        let (p, q) = (&pushes[i], &parsed[i]);
        if k > 0 {
            sql.push_str(",\n");
        }
        sql.push('(');
        int(&mut sql, Some(k as i64));
        sql.push(',');
        int(&mut sql, Some(p.received_at));
        sql.push(',');
        text(&mut sql, p.envelope);
        sql.push(',');
        text(&mut sql, Some(p.plaintext));
        sql.push(',');
        text(&mut sql, Some(p.source));
        sql.push(',');
        text(&mut sql, q.event.as_deref());
        sql.push(',');
        text(&mut sql, q.order_id.as_deref());
        sql.push(',');
        int(&mut sql, q.kind);
        sql.push(',');
        int(&mut sql, q.create_time);
        sql.push(',');
        text(&mut sql, q.error.as_deref());
        sql.push(',');
        text(&mut sql, Some(&q.key));
        sql.push(',');
        text(&mut sql, q.quarantine.as_deref());
        sql.push(',');
        int(&mut sql, Some(n));
        sql.push(',');
        int(&mut sql, Some(q.type5 as i64));
        sql.push(')');
    }
    sql.push_str(
        "),
         ins AS (
             INSERT INTO messages (received_at, envelope, plaintext, source, event, order_id, type, create_time,
                 parse_error, dup_key, quarantine, deliveries)
             SELECT received_at, envelope, plaintext, source, event, order_id, type, create_time, parse_error,
                 dup_key, quarantine, n
             FROM u ORDER BY ord
             ON CONFLICT (dup_key) DO NOTHING RETURNING id, dup_key, order_id, received_at),
         upd AS (
             UPDATE messages m SET deliveries = m.deliveries + u.n FROM u WHERE m.dup_key = u.dup_key
             RETURNING m.id, m.dup_key),
         summary AS (
             INSERT INTO orders (order_id, messages, type5, last_activity)
             SELECT ins.order_id, count(*), max(u.type5), max(ins.received_at)
             FROM ins JOIN u USING (dup_key) WHERE ins.order_id IS NOT NULL GROUP BY ins.order_id
             ON CONFLICT (order_id) DO UPDATE SET messages = orders.messages + excluded.messages,
                 type5 = GREATEST(orders.type5, excluded.type5),
                 last_activity = GREATEST(orders.last_activity, excluded.last_activity))
         SELECT id, dup_key, 'new' FROM ins UNION ALL SELECT id, dup_key, 'known' FROM upd;
         COMMIT;",
    );
    sql
}

impl Postgres {
    pub(super) fn store_pushes(&mut self, pushes: &[NewPush<'_>]) -> Result<Vec<Result<MessageInsert>>> {
        if pushes.is_empty() {
            return Ok(Vec::new());
        }
        let parsed: Vec<Parsed> = pushes.iter().map(|p| parse(p.plaintext)).collect();
        let mut firsts: Vec<(usize, i64)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, p) in parsed.iter().enumerate() {
            match index.get(p.key.as_str()) {
                Some(&k) => firsts[k].1 += 1,
                None => {
                    index.insert(&p.key, firsts.len());
                    firsts.push((i, 1));
                }
            }
        }
        let sql = transaction(pushes, &parsed, &firsts);
        let answer = {
            let mut conn = self.conn()?;
            let answer = conn.client.simple_query(&sql);
            if answer.is_err() && !conn.client.is_closed() {
                let _ = conn.client.batch_execute("ROLLBACK");
            }
            answer
        };
        let rows = answer.map_err(|e| self.error(&e))?;
        let mut stored: HashMap<String, (i64, bool)> = HashMap::new();
        for m in rows {
            // The lock's row has one column; the stored pushes' rows three.
            if let SimpleQueryMessage::Row(r) = m
                && r.len() == 3
                && let (Some(id), Some(key), Some(how)) = (r.get(0), r.get(1), r.get(2))
            {
                let id = id.parse().map_err(|_| StoreError::Postgres(format!("unexpected message id {id}")))?;
                stored.insert(key.to_string(), (id, how == "new"));
            }
        }
        let mut seen: HashMap<&str, ()> = HashMap::new();
        Ok(parsed
            .iter()
            .map(|p| {
                let first = seen.insert(&p.key, ()).is_none();
                match stored.get(&p.key) {
                    Some(&(id, true)) if first => Ok(MessageInsert::New(id)),
                    Some(&(id, _)) => Ok(MessageInsert::Duplicate(id)),
                    None => Err(StoreError::Postgres(format!("push {} was not stored", p.key))),
                }
            })
            .collect())
    }
}
