//! The PostgreSQL schema: created on first use and migrated forward, its
//! version recorded in `orderscope_meta`. A database that holds other
//! tables but not ours is refused untouched, and so is a newer schema.

use postgres::Transaction;

use super::{Conn, PgUrl, no_nul, plain};
use crate::model::{Order, quoted};
use crate::store::OpenMode;
use crate::store::types::{Result, StoreError};

/// Each entry migrates from the version before it. Version 1 is the whole
/// SQLite schema of its day (orders, snapshots, messages, receiver periods
/// with their host, sync state, notes).
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,
        status BIGINT,
        update_time BIGINT,
        use_tel_number BIGINT,
        vnum TEXT,
        vnum_expire BIGINT,
        snapshots BIGINT NOT NULL DEFAULT 0,
        messages BIGINT NOT NULL DEFAULT 0,
        type5 BIGINT NOT NULL DEFAULT 0,
        last_activity BIGINT NOT NULL DEFAULT 0,
        -- Product titles, the buyer's masked name and waybill ids, lowercased: the filter's text.
        search TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX orders_by_activity ON orders(last_activity DESC, order_id DESC);
    CREATE TABLE snapshots (
        id BIGSERIAL PRIMARY KEY,
        order_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        fetched_at BIGINT NOT NULL,
        source TEXT NOT NULL,
        status BIGINT,
        update_time BIGINT,
        body TEXT NOT NULL,
        UNIQUE (order_id, content_hash)
    );
    CREATE INDEX snapshots_by_order ON snapshots(order_id, fetched_at);
    CREATE TABLE messages (
        id BIGSERIAL PRIMARY KEY,
        received_at BIGINT NOT NULL,
        event TEXT,
        order_id TEXT,
        type BIGINT,
        create_time BIGINT,
        envelope TEXT,
        plaintext TEXT NOT NULL,
        parse_error TEXT,
        dup_key TEXT NOT NULL UNIQUE,
        deliveries BIGINT NOT NULL DEFAULT 1,
        source TEXT NOT NULL,
        quarantine TEXT,
        -- The inbox row the message was projected from (receiver pushes).
        inbox_id BIGINT
    );
    CREATE INDEX messages_by_order ON messages(order_id, received_at);
    CREATE INDEX messages_by_time ON messages(received_at);
    CREATE INDEX messages_quarantined ON messages(id) WHERE quarantine IS NOT NULL;
    CREATE TABLE receiver_periods (
        id BIGSERIAL PRIMARY KEY,
        started_at BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        stopped_at BIGINT,
        host TEXT
    );
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
    CREATE TABLE notes (
        id BIGSERIAL PRIMARY KEY,
        order_id TEXT NOT NULL,
        at BIGINT,
        event TEXT,
        type BIGINT,
        text TEXT NOT NULL,
        recorded_at BIGINT NOT NULL
    );
    CREATE INDEX notes_by_order ON notes(order_id, at);
    -- The receivers' inbox: each push as it arrived, appended and committed
    -- before `success`; messages are projected from it afterwards, up to the
    -- projector's cursor (one cursor for every host).
    CREATE TABLE inbox (
        id BIGSERIAL PRIMARY KEY,
        received_at BIGINT NOT NULL,
        dup_key TEXT NOT NULL,
        query TEXT NOT NULL,
        content_type TEXT,
        envelope BYTEA NOT NULL,
        plaintext BYTEA,
        problem TEXT
    );
    CREATE TABLE projector_cursor (name TEXT PRIMARY KEY, last_id BIGINT NOT NULL);",
    // 2: what buyers quote, for the filter (as SQLite's 9): `search` gains the
    // tagged facts of the newest version and `events` one token per distinct
    // push; both filled by `refill_filter_text` after this step.
    "ALTER TABLE orders ADD COLUMN events TEXT NOT NULL DEFAULT ''",
    // 3: what the list shows beside the id (as SQLite's 10), filled with the
    // filter text.
    "ALTER TABLE orders ADD COLUMN product TEXT NOT NULL DEFAULT '', ADD COLUMN buyer TEXT NOT NULL DEFAULT ''",
];

/// A store older than this has its filter and list text computed again
/// from the stored versions and pushes, once its migrations have run.
const REFILL_FILTER_TEXT: i64 = 3;

/// Orders whose filter text is written back per statement.
const REFILL_PAGE: i64 = 2_000;

/// Computes every order's filter text again, as a write would: `search`
/// from its newest version, `events` from its pushes in the order they were
/// stored. Page by page (by order id), so a large store is never held in
/// memory, each page written back in one statement. An order whose newest
/// version no longer parses keeps the text it had.
fn refill_filter_text(t: &mut Transaction) -> std::result::Result<(), postgres::Error> {
    let mut after = String::new();
    loop {
        let rows = t.query(
            "SELECT DISTINCT ON (order_id COLLATE \"C\") order_id, body FROM snapshots
             WHERE order_id COLLATE \"C\" > $1
             ORDER BY order_id COLLATE \"C\", update_time DESC NULLS LAST, fetched_at DESC, id DESC LIMIT $2",
            &[&after, &REFILL_PAGE],
        )?;
        let Some(last) = rows.last() else { break };
        after = last.get(0);
        let (mut ids, mut texts, mut products, mut buyers) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in &rows {
            let body: &str = r.get(1);
            if let Some(order) = serde_json::from_str(body).ok().and_then(|v| Order::from_order(v).ok()) {
                let (product, buyer) = order.list_text();
                ids.push(r.get::<_, String>(0));
                texts.push(no_nul(&order.search_text()).into_owned());
                products.push(no_nul(&product).into_owned());
                buyers.push(no_nul(&buyer).into_owned());
            }
        }
        t.execute(
            "UPDATE orders o SET search = u.search, product = u.product, buyer = u.buyer
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(order_id, search, product, buyer)
             WHERE o.order_id = u.order_id",
            &[&ids, &texts, &products, &buyers],
        )?;
    }
    let mut after = String::new();
    loop {
        // A page of orders, each with its distinct (event, type) in the
        // order of their first push.
        let rows = t.query(
            "WITH o AS (SELECT DISTINCT order_id COLLATE \"C\" AS order_id FROM messages
                        WHERE order_id IS NOT NULL AND event IS NOT NULL AND order_id COLLATE \"C\" > $1
                        ORDER BY 1 LIMIT $2)
             SELECT m.order_id, m.event, m.type FROM messages m JOIN o ON o.order_id = m.order_id
             WHERE m.event IS NOT NULL
             GROUP BY m.order_id, m.event, m.type ORDER BY m.order_id COLLATE \"C\", min(m.id)",
            &[&after, &REFILL_PAGE],
        )?;
        let Some(last) = rows.last() else { break };
        after = last.get(0);
        let (mut ids, mut events): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        for r in &rows {
            let order_id: String = r.get(0);
            if ids.last() != Some(&order_id) {
                ids.push(order_id);
                events.push(String::new());
            }
            let token = quoted::event_token(Some(r.get(1)), r.get(2));
            if let (Some(token), Some(e)) = (token, events.last_mut()) {
                quoted::add_event(e, &no_nul(&token));
            }
        }
        t.execute(
            "UPDATE orders o SET events = u.events FROM unnest($1::text[], $2::text[]) AS u(order_id, events)
             WHERE o.order_id = u.order_id",
            &[&ids, &events],
        )?;
    }
    Ok(())
}

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Serialises migrations between hosts starting at once ("OSCM").
const MIGRATE_LOCK: i64 = 0x4F53_434D;

/// What the database holds: our schema's version, if any, and how many
/// tables its current schema has.
fn identity(t: &mut Transaction) -> std::result::Result<(Option<i64>, i64), postgres::Error> {
    // From the catalog as of one statement: read apart, another host's
    // schema committed between them would look like a foreign database (its
    // tables counted, but no `orderscope_meta` seen). The catalog, not a
    // name lookup (to_regclass), which may answer from a cache that has not
    // yet seen another host's just-committed CREATE.
    let row = t.query_one(
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name = 'orderscope_meta'),
                (SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema())",
        &[],
    )?;
    let (ours, tables): (bool, i64) = (row.get(0), row.get(1));
    // Created with its version row in one transaction: if the table is
    // seen, so is the row.
    let version = if ours {
        t.query_opt("SELECT value FROM orderscope_meta WHERE key = 'schema_version'", &[])?.map(|r| r.get(0))
    } else {
        None
    };
    Ok((version, tables))
}

fn check(url: &PgUrl, version: Option<i64>, tables: i64, mode: OpenMode) -> Result<()> {
    let place = std::path::PathBuf::from(url.to_string());
    match version {
        Some(v) if v > SCHEMA_VERSION => Err(StoreError::TooNew { path: place, found: v, known: SCHEMA_VERSION }),
        Some(_) => Ok(()),
        None if tables > 0 => Err(StoreError::NotAStore(
            place,
            format!("the database holds {tables} other table(s) and no orderscope schema; use an empty database"),
        )),
        None if mode == OpenMode::Existing => Err(StoreError::Missing(place)),
        None => Ok(()),
    }
}

/// Checks what the database holds and brings our schema up to date.
pub(super) fn prepare(conn: &mut Conn, url: &PgUrl, mode: OpenMode) -> Result<()> {
    let err = |e: postgres::Error| StoreError::Postgres(format!("PostgreSQL store {url}: {}", plain(&e)));
    // Read first, without writing: a foreign or newer database is refused as found.
    {
        let mut t = conn.client.transaction().map_err(err)?;
        let (version, tables) = identity(&mut t).map_err(err)?;
        check(url, version, tables, mode)?;
        if version == Some(SCHEMA_VERSION) {
            return Ok(());
        }
    }
    let mut t = conn.client.transaction().map_err(err)?;
    t.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK]).map_err(err)?;
    // Again under the lock: another host may have created or migrated it.
    let (version, tables) = identity(&mut t).map_err(err)?;
    check(url, version, tables, mode)?;
    let from = version.unwrap_or(0);
    if from == 0 {
        t.batch_execute("CREATE TABLE orderscope_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)").map_err(err)?;
    }
    for sql in MIGRATIONS.iter().skip(from as usize) {
        t.batch_execute(sql).map_err(err)?;
    }
    if from > 0 && from < REFILL_FILTER_TEXT {
        refill_filter_text(&mut t).map_err(err)?;
    }
    t.execute(
        "INSERT INTO orderscope_meta (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&SCHEMA_VERSION],
    )
    .map_err(err)?;
    t.commit().map_err(err)
}
