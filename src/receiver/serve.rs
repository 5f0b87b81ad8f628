//! Running the receiver: settings, logging, the listener, the writer thread,
//! heartbeats, and a graceful stop on SIGTERM or SIGINT (requests in flight
//! finish, every queued push is committed, the period is closed).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use super::{forward::Forwarder, writer::Writer};
use crate::settings::Settings as AllSettings;
use crate::store::{Durability, OpenMode, Store};

/// Sets up logging to stderr, or appended to a file.
pub fn init_logging(log: Option<&Path>) -> Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ORDERSCOPE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_timer(LogTime);
    let result = match log {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open the log file {}", path.display()))?;
            builder.with_ansi(false).with_writer(std::sync::Mutex::new(file)).try_init()
        }
        // Colour only on a terminal: a journal or a pipe would keep the escape codes.
        None => {
            use std::io::IsTerminal;
            let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            builder.with_ansi(colour).with_writer(std::io::stderr).try_init()
        }
    };
    // A second init (tests running several receivers) keeps the first logger.
    let _ = result;
    Ok(())
}

/// Log times in the zone of everything else orderscope prints, with the
/// offset written out (RFC 3339).
struct LogTime;

impl tracing_subscriber::fmt::time::FormatTime for LogTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        w.write_str(&crate::timefmt::rfc3339_millis(jiff::Timestamp::now()))
    }
}

pub fn run(all: &AllSettings, log: Option<&Path>) -> Result<()> {
    let settings = all.receiver()?;
    let forward = all.forward.clone();
    let addr = all.listen()?;
    let api = all.api()?.map(|a| a.client());
    init_logging(log)?;
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
    let host = crate::tui::hostname();
    let period = store.write(|c| c.add_receiver_period(now, now, None, Some(&host)))?;
    let forwarder = forward.as_deref().map(Forwarder::new).transpose().map_err(anyhow::Error::msg)?;

    runtime.block_on(async move {
        let writer = Writer::start(store, period, 8192);
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let heartbeat = {
            let tx = writer.tx.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(60));
                every.tick().await;
                loop {
                    every.tick().await;
                    if tx.send(super::writer::Job::Heartbeat { now: crate::timefmt::now() }).await.is_err() {
                        break;
                    }
                }
            })
        };
        tracing::info!(
            "listening on {addr}; store {location}; appid {}{}",
            settings.appid,
            forward.as_deref().map(|f| format!("; forwarding to {}", crate::http::mask_token(f))).unwrap_or_default()
        );
        let order_events = api.map(|client| super::snapshots::start(client, writer.tx.clone()));
        if order_events.is_some() {
            tracing::info!("fetching a snapshot of each order a push is about");
        }
        let app = super::router(settings, writer.tx.clone(), forwarder, order_events);
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stop)
            .await?;
        heartbeat.abort();
        let _ = heartbeat.await;
        tracing::info!("stopping: committing what is queued");
        tokio::task::spawn_blocking(move || writer.finish()).await?.map_err(anyhow::Error::msg)?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Registers the handlers now; the returned future ends on the first signal.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
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
