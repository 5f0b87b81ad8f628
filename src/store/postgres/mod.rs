//! The store on PostgreSQL: one database shared by several receiving hosts
//! and any number of inspectors.
//!
//! - One connection per store (a receiver's writer thread, an inspector's
//!   store thread, a CLI command), through the blocking `postgres` client,
//!   which runs its own small runtime: call it only outside tokio tasks.
//! - Every writing transaction first takes one advisory lock, so writers
//!   on every host commit one after another: ids then follow commit order
//!   (the change feed's cursors never skip a row committed late) and two
//!   writers never deadlock. A serialization or deadlock error is retried
//!   all the same.
//! - `synchronous_commit` is on for the session: a commit returns only when
//!   it is durable, and the receiver answers `success` only after it.
//! - Every writing transaction sends `NOTIFY orderscope`; inspectors
//!   `LISTEN` and look at the cursors when they hear it.
//! - A lost connection is reconnected on the next use; the error in
//!   between says the database cannot be reached, with the URL's password
//!   masked.

mod append;
mod password;
mod read;
mod schema;
mod tx;

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};

use crate::loglimit::Limiter;
use crate::store::OpenMode;
use crate::store::backend::Writes;
use crate::store::location::PgUrl;
use crate::store::types::{Result, StoreError};

/// The channel every writing transaction notifies.
pub const CHANNEL: &str = "orderscope";
/// The advisory lock every writing transaction takes ("OSCP").
pub(super) const WRITE_LOCK: i64 = 0x4F53_4350;
/// How often a listening connection is checked when nothing is heard.
const HEALTH_EVERY: Duration = Duration::from_secs(5);
/// How many times a transaction that lost a serialization or deadlock race
/// is run again before its error is returned.
const RETRIES: u32 = 8;
/// At most one "retrying a transaction" line per this interval, process-wide.
static RETRY_LINES: std::sync::LazyLock<Limiter> = std::sync::LazyLock::new(|| Limiter::new(crate::loglimit::EVERY));
/// How long a look at the notifications waits for one to arrive.
const NOTIFY_WAIT: Duration = Duration::from_millis(5);

pub struct Postgres {
    url: PgUrl,
    config: postgres::Config,
    /// The TLS connector when the URL says sslmode=require.
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    conn: RefCell<Option<Conn>>,
    /// LISTEN again after a reconnect.
    watching: bool,
    /// Set by a reconnect: commits may have been missed while away.
    reconnected: std::cell::Cell<bool>,
    last_health: std::cell::Cell<Instant>,
    /// The receiver's writer: its transactions are bounded tighter (see [`RECEIVER_LIMITS`]).
    receiver: bool,
}

/// Every connection: a client that stops in the middle of a transaction
/// (suspended, its network frozen) loses it, and the writers' lock with
/// it, instead of holding every other writer up for as long as it is gone.
const SESSION_LIMITS: &str = "SET idle_in_transaction_session_timeout = '10s'";
/// The receiver's connection, inside the platform's 5 s answer limit (the
/// receiver waits 4 s for its commit): a host whose connection hangs
/// mid-transaction loses the lock after 2 s and the other hosts carry on;
/// waiting for the lock or for one statement never takes longer than an
/// answer may.
const RECEIVER_LIMITS: &str = "SET idle_in_transaction_session_timeout = '2s'; SET lock_timeout = '3s'; \
     SET statement_timeout = '3s'";

/// One connection and its prepared statements.
pub(super) struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl Conn {
    fn statement(&mut self, sql: &'static str) -> std::result::Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    pub(super) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> std::result::Result<Vec<Row>, postgres::Error> {
        let s = self.statement(sql)?;
        self.client.query(&s, params)
    }

    /// Runs a query and hands each row to `visit` as it comes off the
    /// socket, until `visit` says stop: the rows are never all held here
    /// (the driver reads the next ones only as these are taken).
    pub(super) fn each<T>(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        read: fn(&Row) -> T,
        visit: &mut dyn FnMut(T) -> bool,
    ) -> std::result::Result<(), postgres::Error> {
        use postgres::fallible_iterator::FallibleIterator;
        let s = self.statement(sql)?;
        let mut rows = self.client.query_raw(&s, params.iter().copied())?;
        while let Some(r) = rows.next()? {
            if !visit(read(&r)) {
                break;
            }
        }
        Ok(())
    }
}

/// Why `sslmode=require` cannot be honoured on this system.
#[derive(Debug, thiserror::Error)]
enum TlsError {
    #[error("no certificate authorities found on this system (install ca-certificates)")]
    NoAuthorities,
    /// rustls refused its own safe defaults: its words, kept as the source.
    #[error(transparent)]
    Config(#[from] rustls::Error),
}

/// A TLS connector trusting the system's certificate authorities.
fn tls_connector() -> std::result::Result<tokio_postgres_rustls::MakeRustlsConnect, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err(TlsError::NoAuthorities);
    }
    let config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

impl Postgres {
    pub fn open(url: &PgUrl, mode: OpenMode) -> Result<Postgres> {
        let (driver_url, passfile) = password::take_passfile(url.expose());
        let mut config = postgres::Config::from_str(&driver_url)
            .map_err(|e| StoreError::Postgres(format!("{url} is not a usable PostgreSQL URL: {}", plain(&e))))?;
        if config.get_password().is_none() {
            let host = match config.get_hosts().first() {
                Some(postgres::config::Host::Tcp(h)) => h.clone(),
                #[cfg(unix)]
                Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
                None => "localhost".to_string(),
            };
            let user = config.get_user().unwrap_or_default().to_string();
            let target = password::Target {
                host: &host,
                port: config.get_ports().first().copied().unwrap_or(5432),
                dbname: config.get_dbname().unwrap_or(&user),
                user: &user,
            };
            if let Some(found) = password::find(&target, passfile.as_deref(), |why| eprintln!("orderscope: {why}")) {
                config.password(found);
            }
        }
        // sslmode=require: TLS, with the server's certificate checked against
        // the system's authorities. disable and prefer connect in plain text
        // (prefer does not insist, and a private network's self-signed
        // certificate must not stop it).
        let tls = if config.get_ssl_mode() == postgres::config::SslMode::Require {
            Some(tls_connector().map_err(|why| StoreError::Tls { url: url.to_string(), source: Box::new(why) })?)
        } else {
            None
        };
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("orderscope");
        }
        // A server that vanished without closing the socket is noticed in a minute, not hours.
        config.keepalives_idle(Duration::from_secs(30));
        let store = Postgres {
            url: url.clone(),
            config,
            tls,
            conn: RefCell::new(None),
            watching: false,
            reconnected: std::cell::Cell::new(false),
            last_health: std::cell::Cell::new(Instant::now()),
            receiver: false,
        };
        {
            let mut conn = store.conn()?;
            store.reconnected.set(false);
            schema::prepare(&mut conn, &store.url, mode)?;
        }
        Ok(store)
    }

    /// The connection, made again if it was lost.
    pub(super) fn conn(&self) -> Result<RefMut<'_, Conn>> {
        let mut slot = self.conn.borrow_mut();
        if slot.as_ref().is_none_or(|c| c.client.is_closed()) {
            *slot = None;
            let connected = match &self.tls {
                Some(tls) => self.config.connect(tls.clone()),
                None => self.config.connect(NoTls),
            };
            let mut client = connected.map_err(|e| self.unreachable(&e))?;
            // Literals in the receiver's one-round-trip transaction rely on
            // standard strings (a backslash is just a backslash).
            client
                .batch_execute("SET synchronous_commit = on; SET standard_conforming_strings = on")
                .map_err(|e| self.error(&e))?;
            let limits = if self.receiver { RECEIVER_LIMITS } else { SESSION_LIMITS };
            client.batch_execute(limits).map_err(|e| self.error(&e))?;
            if self.watching {
                client.batch_execute(&format!("LISTEN {CHANNEL}")).map_err(|e| self.error(&e))?;
            }
            *slot = Some(Conn { client, statements: HashMap::new() });
            self.reconnected.set(true);
        }
        Ok(RefMut::map(slot, |c| c.as_mut().expect("connected above")))
    }

    /// Runs a read on the connection (again on a new one if the server had
    /// ended it: see [`Postgres::again_if_lost`]).
    pub(super) fn with<T>(&self, mut f: impl FnMut(&mut Conn) -> std::result::Result<T, postgres::Error>) -> Result<T> {
        self.again_if_lost(|| {
            let mut conn = self.conn()?;
            f(&mut conn).map_err(|e| self.error(&e))
        })
    }

    /// Runs `f`, and once more on a new connection when it failed because
    /// the connection it started on was gone. A server restart ends every
    /// idle connection, and the driver only learns so on the next call: that
    /// call's work never ran (the server rolls back whatever it had begun),
    /// so repeating it is safe, and the first push after a restart is stored
    /// instead of answered 500. Only a loss during COMMIT itself leaves it
    /// unknown whether the commit landed; repeated, its messages are then
    /// counted as a redelivery, as the platform's own retry would be.
    pub(super) fn again_if_lost<T>(&self, mut f: impl FnMut() -> Result<T>) -> Result<T> {
        let held = self.conn.borrow().as_ref().is_some_and(|c| !c.client.is_closed());
        match f() {
            Err(StoreError::Unreachable(_)) if held => {
                *self.conn.borrow_mut() = None;
                f()
            }
            other => other,
        }
    }

    fn unreachable(&self, e: &postgres::Error) -> StoreError {
        let why = plain(e);
        let fix = if why.contains("password missing") {
            "; give it in PGPASSWORD, ~/.pgpass, PGPASSFILE or the URL's passfile= (a password in the URL shows in ps)"
        } else {
            ""
        };
        StoreError::Unreachable(format!("cannot reach the PostgreSQL store {}: {why}{fix}", self.url))
    }

    /// A driver error as the user should see it; lost races are marked for retry.
    pub(super) fn error(&self, e: &postgres::Error) -> StoreError {
        if lost(e) {
            return StoreError::Unreachable(format!("lost the connection to the PostgreSQL store {}", self.url));
        }
        let text = format!("PostgreSQL store {}: {}", self.url, plain(e));
        match e.code() {
            Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED => {
                StoreError::Retry(text)
            }
            _ => StoreError::Postgres(text),
        }
    }

    fn write_once(&mut self, f: &mut Writes<'_>) -> Result<()> {
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        // One round trip opens the transaction, waits for the writers'
        // lock and queues the notification (sent only on commit).
        conn.client
            .batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK}); NOTIFY {CHANNEL}"))
            .map_err(|e| self.error(&e))?;
        let mut t = tx::PgTx { conn, failed: None, derived: false };
        let outcome = f(&mut t);
        let failed = t.failed.take();
        // `synchronous_commit` is read when the commit runs: set with it.
        let commit = if t.derived { "SET LOCAL synchronous_commit = off; COMMIT" } else { "COMMIT" };
        // Any failed statement aborts a PostgreSQL transaction (and COMMIT
        // would quietly roll it back): the whole write fails, never half.
        let outcome = match (outcome, failed) {
            (Ok(()), None) => conn.client.batch_execute(commit).map_err(|e| self.error(&e)),
            (Ok(()), Some(e)) | (Err(_), Some(e)) => Err(e),
            (Err(e), None) => Err(e),
        };
        if outcome.is_err() && !conn.client.is_closed() {
            let _ = conn.client.batch_execute("ROLLBACK");
        }
        outcome
    }

    /// From now on this connection (and any made again) is the receiver's.
    pub(super) fn bound_for_receiver(&mut self) -> Result<()> {
        self.receiver = true;
        self.with(|c| c.client.batch_execute(RECEIVER_LIMITS))
    }

    pub(super) fn describe(&self) -> String {
        self.url.to_string()
    }

    pub(super) fn write_dyn(&mut self, f: &mut Writes<'_>) -> Result<()> {
        let mut attempt = 0;
        let mut backoff = crate::backoff::Backoff::new(Duration::from_millis(10), Duration::from_millis(320));
        loop {
            // As `again_if_lost` does, spelled out: the write needs `&mut self`.
            let held = self.conn.borrow().as_ref().is_some_and(|c| !c.client.is_closed());
            let outcome = match self.write_once(f) {
                Err(StoreError::Unreachable(_)) if held => {
                    *self.conn.borrow_mut() = None;
                    self.write_once(f)
                }
                other => other,
            };
            match outcome {
                Err(StoreError::Retry(why)) if attempt < RETRIES => {
                    attempt += 1;
                    // Writers contending for the same rows retry each other's
                    // conflicts; under load that is one line per write.
                    if let Some(skipped) = RETRY_LINES.due("retry", RETRY_LINES.every) {
                        tracing::warn!("retrying a transaction ({attempt}): {why}{}", Limiter::more(skipped));
                    }
                    std::thread::sleep(backoff.pause());
                }
                Err(StoreError::Retry(why)) => return Err(StoreError::Postgres(why)),
                other => return other,
            }
        }
    }

    pub(super) fn watch(&mut self) -> Result<()> {
        self.watching = true;
        let mut conn = self.conn()?;
        conn.client.batch_execute(&format!("LISTEN {CHANNEL}")).map_err(|e| self.error(&e))
    }

    /// Whether a notification arrived (or the connection was made again, so
    /// some may have been missed) since the last look.
    pub(super) fn changed_since(&mut self) -> Result<bool> {
        let mut conn = self.conn()?;
        let mut heard = false;
        {
            let mut notifications = conn.client.notifications();
            // A short wait lets the driver's runtime read the socket; a
            // plain non-blocking look may not see what already arrived.
            let mut it = notifications.timeout_iter(NOTIFY_WAIT);
            loop {
                use postgres::fallible_iterator::FallibleIterator;
                match it.next().transpose() {
                    Some(Ok(_)) => heard = true,
                    Some(Err(e)) => return Err(self.error(&e)),
                    None => break,
                }
            }
        }
        if conn.client.is_closed() {
            return Err(StoreError::Unreachable(format!("lost the connection to the PostgreSQL store {}", self.url)));
        }
        // A quiet connection is asked now and then whether it is still there.
        if !heard && self.last_health.get().elapsed() >= HEALTH_EVERY {
            self.last_health.set(Instant::now());
            conn.client.simple_query("").map_err(|e| self.error(&e))?;
        }
        Ok(heard || self.reconnected.replace(false))
    }
}

/// Whether the connection is gone: closed under the driver, or ended by the
/// server (shutdown, restart, crash recovery, `pg_terminate_backend`).
pub(super) fn lost(e: &postgres::Error) -> bool {
    e.is_closed()
        || e.code().is_some_and(|c| {
            *c == SqlState::ADMIN_SHUTDOWN || *c == SqlState::CRASH_SHUTDOWN || *c == SqlState::CANNOT_CONNECT_NOW
        })
}

/// The driver's message without its "db error: " wrapper.
fn plain(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

/// PostgreSQL text cannot hold a NUL character; a push whose bytes carry one
/// is stored with U+FFFD in its place rather than refused (its envelope, the
/// evidence, is kept the same way).
pub(super) fn no_nul(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') { std::borrow::Cow::Owned(s.replace('\0', "\u{FFFD}")) } else { std::borrow::Cow::Borrowed(s) }
}
