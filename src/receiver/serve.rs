//! Running the receiver: settings, logging, the listener and its
//! connections, the writer thread, heartbeats, and a graceful stop on
//! SIGTERM or SIGINT (requests in flight finish, every queued push is
//! committed and projected, the period is closed).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{mpsc, watch};

use super::conn::{self, Limits, Registry};
use super::journal::{Journal, SUMMARY_EVERY};
use super::writer::{AfterProjection, Job, Writer};
use super::{Shared, forward::Forwarder};
use crate::settings::Settings as AllSettings;
use crate::store::{Durability, MessageInsert, OpenMode, Store};

/// Sets up logging to stderr (coloured only on a terminal), or appended to
/// a file by tracing-appender's writer thread, so a slow disk never holds up
/// an answer. Keep the guard while the receiver runs: dropping it writes out
/// what is still queued.
#[must_use = "the log file's lines are written out when the guard is dropped"]
pub fn init_logging(log: Option<&Path>) -> Result<Option<tracing_appender::non_blocking::WorkerGuard>> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ORDERSCOPE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_timer(LogTime);
    // A second init (tests running several receivers) keeps the first logger.
    match log {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open the log file {}", path.display()))?;
            // Never lossy: a full queue waits rather than drops a line.
            let (writer, guard) =
                tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(false).finish(file);
            let _ = builder.with_ansi(false).with_writer(writer).try_init();
            Ok(Some(guard))
        }
        // Colour only on a terminal: a journal or a pipe would keep the escape codes.
        None => {
            use std::io::IsTerminal;
            let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let _ = builder.with_ansi(colour).with_writer(std::io::stderr).try_init();
            Ok(None)
        }
    }
}

/// Log times in the zone of everything else orderscope prints, with the
/// offset written out (RFC 3339).
struct LogTime;

impl tracing_subscriber::fmt::time::FormatTime for LogTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        w.write_str(&crate::timefmt::rfc3339_millis(jiff::Timestamp::now()))
    }
}

/// File descriptors kept for the store, the log, outgoing requests and the
/// evicted sockets still closing (`conn::EVICTING`).
const RESERVED_FDS: u64 = 64 + conn::EVICTING as u64;

/// The connection cap, lowered to what the process's open-file limit allows.
fn fit_to_fd_limit(mut limits: Limits) -> Limits {
    let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } == 0 && rl.rlim_cur != libc::RLIM_INFINITY {
        let room = rl.rlim_cur.saturating_sub(RESERVED_FDS).max(1) as usize;
        if room < limits.max_connections {
            tracing::warn!(
                "--max-connections lowered from {} to {room}: the open-file limit (ulimit -n) is {}",
                limits.max_connections,
                rl.rlim_cur
            );
            limits.max_connections = room;
        }
    }
    limits
}

/// Runs the receiver with `limits` on its connections until SIGTERM or SIGINT.
pub fn run(all: &AllSettings, log: Option<&Path>, limits: Limits) -> Result<()> {
    let settings = all.receiver()?;
    let forward = all.forward.clone();
    let addr = all.listen()?;
    let api = all.api()?.map(|a| a.client());
    let _log = init_logging(log)?;
    let limits = fit_to_fd_limit(limits);

    // One thread serves HTTP and one commits: on a small machine, more
    // threads mostly add wake-ups and context switches per push.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // Catch SIGTERM/SIGINT before the port opens: a stop that arrives as
    // soon as the port answers must still be a graceful one.
    let stop = runtime.block_on(async { stop_signal() })?;
    let listener = std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    listener.set_nonblocking(true)?;
    let location = all.store_location();
    let mut store = Store::open_at(&location, OpenMode::Create, Durability::Full)?;
    let now = crate::timefmt::now();
    // Several hosts may share one store: each period says whose it is.
    let host = crate::hostname();
    let period = store.write(|c| c.add_receiver_period(now, now, None, Some(&host))).map_err(|e| store.explain(e))?;
    let forwarder = forward.as_deref().map(Forwarder::new).transpose()?;

    runtime.block_on(async move {
        let (after_tx, after_rx) = mpsc::channel::<AfterProjection>(8192);
        let journal = Arc::new(Journal::default());
        let writer = Writer::start(store, period, 8192, Some(after_tx), journal.clone());
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let heartbeat = {
            let tx = writer.tx.clone();
            tokio::spawn(async move {
                let mut every =
                    tokio::time::interval(Duration::from_secs(crate::store::status::HEARTBEAT_SECS as u64));
                every.tick().await;
                loop {
                    every.tick().await;
                    if let Err(std::sync::mpsc::TrySendError::Disconnected(_)) =
                        tx.try_send(Job::Heartbeat { now: crate::timefmt::now() })
                    {
                        break;
                    }
                }
            })
        };
        tracing::info!(
            "listening on {addr}; store {location}; appid {}{}; header/body/idle/write timeouts {:?}/{:?}/{:?}/{:?}, at most {} connections",
            settings.appid,
            // Without its user:password@ and query, which may carry secrets.
            forward
                .as_deref()
                .and_then(|f| reqwest::Url::parse(f).ok())
                .map(|f| format!("; forwarding to {}", crate::http::shown_url(&f)))
                .unwrap_or_default(),
            limits.header_timeout,
            limits.body_timeout,
            limits.idle_timeout,
            limits.write_timeout,
            limits.max_connections,
        );
        let sink = super::snapshots::Sink::new(writer.tx.clone());
        let order_events = api.map(|client| super::snapshots::start(client, sink.clone()));
        if order_events.is_some() {
            tracing::info!("fetching a snapshot of each order a push is about");
        }
        let effects = tokio::spawn(after_projection(after_rx, forwarder, order_events));
        let summaries = tokio::spawn(summarize(journal.clone()));
        let shared = Arc::new(Shared {
            settings,
            writer: writer.tx.clone(),
            limits,
            journal: journal.clone(),
            answered: Default::default(),
        });
        let since_summary = std::time::Instant::now();
        accept_until(listener, shared.clone(), stop).await;
        summaries.abort();
        let _ = summaries.await;
        tracing::info!("pushes answered success: {}", shared.answered.summary());
        // Its queue sender too must go for the writer to see the end.
        drop(shared);
        heartbeat.abort();
        let _ = heartbeat.await;
        tracing::info!("stopping: committing and projecting what is queued");
        sink.close();
        tokio::task::spawn_blocking(move || writer.finish()).await??;
        // The writer has reported every projection: relay and fetch what is left.
        let _ = tokio::time::timeout(Duration::from_secs(10), effects).await;
        // What the last (partial) minute saw, projections of the stop included.
        let over = since_summary.elapsed().as_secs() % SUMMARY_EVERY.as_secs();
        if let Some(line) = journal.take_summary(Duration::from_secs(over.max(1))) {
            tracing::info!("{line}");
        }
        tracing::info!("stopped");
        Ok(())
    })
}

/// One line a minute while pushes flow: what happened to them.
async fn summarize(journal: Arc<Journal>) {
    let mut every = tokio::time::interval(SUMMARY_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        if let Some(line) = journal.take_summary(SUMMARY_EVERY) {
            tracing::info!("{line}");
        }
    }
}

/// Forwarding and snapshot fetches for each push once it is projected.
async fn after_projection(
    mut rx: mpsc::Receiver<AfterProjection>,
    forward: Option<Forwarder>,
    order_events: Option<mpsc::Sender<String>>,
) {
    while let Some(p) = rx.recv().await {
        if let Some(f) = &forward {
            f.relay(&p.query, p.content_type.as_deref(), p.envelope.into());
        }
        if let (Some(events), Some(id), MessageInsert::New(_)) =
            (&order_events, p.projected.order_id, p.projected.outcome)
        {
            // A full queue drops the fetch, never delays the projector.
            let _ = events.try_send(id);
        }
    }
}

/// Accepts connections until `stop`, then lets those open finish their
/// request in flight (up to 10 s).
async fn accept_until(listener: tokio::net::TcpListener, shared: Arc<Shared>, stop: impl Future<Output = ()>) {
    let registry = Registry::new(shared.limits);
    let (stopping, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            a = listener.accept() => a,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors, mostly: wait a little rather than spin.
                shared.journal.warn("accept failed", None, || format!("cannot accept a connection: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (slot, evicted) = loop {
            match registry.admit() {
                conn::Admit::Open(slot) => break (Some(slot), false),
                conn::Admit::Room(slot) => break (Some(slot), true),
                // The evicted tasks run on this thread: let them drop their
                // sockets, then ask again.
                conn::Admit::Closing => tokio::task::yield_now().await,
                conn::Admit::Full => break (None, false),
            }
        };
        let Some(slot) = slot else {
            shared.journal.warn("connection cap", Some(peer), || {
                format!(
                    "refused a connection: {} open, every one with a request being stored (--max-connections)",
                    registry.limits().max_connections
                )
            });
            continue;
        };
        if evicted {
            shared.journal.warn(conn::EVICTED, Some(peer), || {
                format!(
                    "{} connections open (--max-connections): closed the one waiting longest without a request",
                    registry.limits().max_connections
                )
            });
        }
        let _ = stream.set_nodelay(true);
        let log = shared.clone();
        let on_timeout = Box::new(move |why: &'static str| {
            log.journal.warn(why, Some(peer), || format!("closed a connection: {why}"));
        });
        let io = TokioIo::new(registry.guard(stream, &slot, on_timeout));
        let (shared, mut stop_rx) = (shared.clone(), stop_rx.clone());
        let log = shared.clone();
        tasks.spawn(async move {
            let clock = slot.clock.clone();
            let service = hyper::service::service_fn(move |req| {
                let (shared, clock) = (shared.clone(), clock.clone());
                async move { Ok::<_, Infallible>(super::handle(&shared, peer, &clock, req).await) }
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            // The guarded socket times heads and idle connections itself.
            http.timer(TokioTimer::new()).header_read_timeout(None);
            let conn = http.serve_connection(io, service);
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                // Chosen to make room: dropped now, even in the middle of a
                // write its client never takes.
                _ = clock_closing(&slot) => Ok(()),
                _ = stop_rx.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.as_mut().await
                }
            };
            if let Err(e) = result {
                log_connection_error(&log.journal, peer, &e);
            }
            drop(slot);
        });
    }
    let _ = stopping.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), async { while tasks.join_next().await.is_some() {} }).await;
}

async fn clock_closing(slot: &conn::Slot) {
    slot.clock.evicted().await
}

/// Logs why hyper gave up on a connection, when a limit or a malformed
/// request is the reason (hyper has already answered 400, 414 or 431).
fn log_connection_error(log: &Journal, peer: SocketAddr, e: &hyper::Error) {
    let limit = std::error::Error::source(e)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
    if limit {
        // Already logged when the limit closed it.
    } else if e.is_parse_too_large() {
        let (code, what) = if e.to_string().contains("URI") {
            (414, "request line too long")
        } else {
            (431, "request head too large")
        };
        log.warn(what, Some(peer), || format!("refused ({code}): {what}"));
    } else if e.is_parse() {
        log.warn("not HTTP", Some(peer), || format!("refused (400): not an HTTP/1.1 request ({e})"));
    } else {
        tracing::debug!(%peer, "connection ended: {e}");
    }
}

/// Registers the handlers now; the returned future ends on the first signal.
fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}
