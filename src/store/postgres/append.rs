//! The receiver's inbox append in one round trip: the whole transaction
//! (the writers' lock, the notification, the group's rows, the commit)
//! goes to the server as one simple-query message, so a group costs one
//! exchange with the server and one WAL flush, however many pushes it holds.
//!
//! Values travel as SQL literals: text quoted with every `'` doubled under
//! `standard_conforming_strings = on` (set on every connection), NUL
//! characters replaced, bytes in hex (`'\x…'::bytea`), numbers written by
//! Rust. The insert is its own statement after the lock's, so ids follow
//! commit order as in every other write.

use std::fmt::Write as _;

use postgres::SimpleQueryMessage;

use super::{CHANNEL, Postgres, WRITE_LOCK, no_nul};
use crate::store::types::{Arrival, Result, StoreError};

fn text(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push('\'');
            out.push_str(&no_nul(s).replace('\'', "''"));
            out.push('\'');
        }
        None => out.push_str("NULL"),
    }
}

fn bytes(out: &mut String, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            out.push_str("'\\x");
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
            out.push_str("'::bytea");
        }
        None => out.push_str("NULL::bytea"),
    }
}

/// The transaction's text.
fn transaction(arrivals: &[(Arrival<'_>, &str)]) -> String {
    let mut sql = format!(
        "BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK}); NOTIFY {CHANNEL};
         INSERT INTO inbox (received_at, dup_key, query, content_type, envelope, plaintext, problem) VALUES "
    );
    for (k, (a, key)) in arrivals.iter().enumerate() {
        if k > 0 {
            sql.push(',');
        }
        let _ = write!(sql, "({}::bigint,", a.received_at);
        text(&mut sql, Some(key));
        sql.push(',');
        text(&mut sql, Some(a.query));
        sql.push(',');
        text(&mut sql, a.content_type);
        sql.push(',');
        bytes(&mut sql, Some(a.envelope));
        sql.push(',');
        bytes(&mut sql, a.plaintext);
        sql.push(',');
        text(&mut sql, a.problem);
        sql.push(')');
    }
    sql.push_str(" RETURNING id; COMMIT;");
    sql
}

impl Postgres {
    pub(super) fn append_inbox_group(&mut self, arrivals: &[(Arrival<'_>, &str)]) -> Result<Vec<i64>> {
        if arrivals.is_empty() {
            return Ok(Vec::new());
        }
        let sql = transaction(arrivals);
        let answer = self.again_if_lost(|| {
            let mut conn = self.conn()?;
            let answer = conn.client.simple_query(&sql);
            if answer.is_err() && !conn.client.is_closed() {
                let _ = conn.client.batch_execute("ROLLBACK");
            }
            answer.map_err(|e| self.error(&e))
        })?;
        let mut ids = Vec::with_capacity(arrivals.len());
        for m in answer {
            // The lock's row is the other one-column row.
            if let SimpleQueryMessage::Row(r) = m
                && r.columns().first().is_some_and(|c| c.name() == "id")
                && let Some(id) = r.get(0)
            {
                ids.push(id.parse().map_err(|_| StoreError::Postgres(format!("unexpected inbox id {id}")))?);
            }
        }
        if ids.len() != arrivals.len() {
            return Err(StoreError::Postgres(format!("{} of {} pushes appended", ids.len(), arrivals.len())));
        }
        ids.sort_unstable();
        Ok(ids)
    }
}
