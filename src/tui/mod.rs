//! The interactive inspector: terminal setup and the event loop. The loop
//! draws only when something changed (a key, a resize, a reload) or when a
//! countdown is on screen and the 1 Hz tick moves it.

pub mod app;
pub mod keys;
pub mod view;

use std::io::Write;
use std::time::Duration;

use anyhow::{Context as _, Result};
use crossterm::cursor::{Hide, Show};
use crossterm::event::{Event, EventStream, KeyEventKind};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use futures_util::{FutureExt, StreamExt};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::settings::Settings;
use crate::store::{OpenMode, Store};
use crate::timefmt;
use app::{App, Effect};
use view::Theme;

/// The inspector on the configured store.
pub fn run_on_store(settings: &Settings) -> Result<()> {
    let path = settings.store.clone();
    // Never create a store here: a mistyped path would show an empty shop.
    let store = Store::open(&path, OpenMode::Existing)?;
    let live = settings
        .api()?
        .map(|api| LiveClient { client: std::sync::Arc::new(api.client()), recent_days: settings.recent_days });
    let shop = match &settings.appid {
        Some(id) => format!("shop {}", mask_appid(id)),
        None => "shop ?".to_string(),
    };
    let mode = if live.is_some() { "live" } else { "store only" };
    let title = format!("{shop} · {mode} · host {} · store {}", hostname(), home_relative(&path));
    run(store, title, settings, None, live)
}

/// The shop API as the inspector uses it.
pub struct LiveClient {
    pub client: std::sync::Arc<crate::api::Client>,
    /// How far back a list refresh looks.
    pub recent_days: i64,
}

/// The inspector on the bundled demo shop, in a temporary store removed on exit.
pub fn run_demo(settings: &Settings) -> Result<()> {
    let now = timefmt::now();
    let demo = crate::demo::DemoStore::create(now).context("cannot build the demo shop")?;
    let store = Store::open(demo.path(), OpenMode::Existing)?;
    // The demo's shop API is a fake on loopback, reached through the same
    // client and live path as a real shop.
    let shop = crate::demo::start_fake_shop(&store, now).context("cannot start the demo shop API")?;
    let client = crate::demo::client_for(&shop);
    let title = format!("demo shop · live (fake API {}) · host {} · store (temporary)", shop.addr, hostname());
    let live = LiveClient { client: std::sync::Arc::new(client), recent_days: 3 };
    let result = run(store, title, settings, Some(crate::demo::SEED_ORDER_ID), Some(live));
    drop(demo);
    result
}

/// `wx1b80498468985c93` → `wx1b…5c93`: enough to tell shops apart.
pub fn mask_appid(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return id.to_string();
    }
    format!("{}…{}", chars[..4].iter().collect::<String>(), chars[chars.len() - 4..].iter().collect::<String>())
}

fn home_relative(path: &std::path::Path) -> String {
    let shown = path.display().to_string();
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && shown.starts_with(&home) => format!("~{}", &shown[home.len()..]),
        _ => shown,
    }
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "?".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

fn run(
    mut store: Store,
    title: String,
    settings: &Settings,
    select: Option<&str>,
    live: Option<LiveClient>,
) -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the inspector needs a terminal; for scripts use `orders`, `show`, `messages` or `diff` with --json"
        );
    }
    let mut app = App::new(title, settings.lang, timefmt::now());
    app.live.enabled = live.is_some();
    app.reload(&store);
    if let Some(id) = select {
        app.select_order(id, &store);
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut terminal = enter_terminal().context("cannot set up the terminal")?;
    let result = runtime.block_on(event_loop(&mut terminal, &mut app, &mut store, live));
    leave_terminal();
    // ratatui's Terminal shows the cursor on drop and reports failure with
    // eprintln!, which panics when the terminal (and stderr) is gone after a
    // hangup. The cursor is already shown; skip that drop.
    std::mem::forget(terminal);
    result
}

type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

fn enter_terminal() -> std::io::Result<Term> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            leave_terminal();
            previous(info);
        }));
    });
    crossterm::terminal::enable_raw_mode()?;
    if let Err(e) = crossterm::execute!(std::io::stdout(), EnterAlternateScreen, Hide) {
        leave_terminal();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(std::io::stdout()))
}

/// Puts the terminal back, ignoring errors: after a hangup there is no
/// terminal left to restore, and that must not turn into a panic.
fn leave_terminal() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(std::io::stdout(), LeaveAlternateScreen, Show);
}

/// crossterm's event stream, ended as soon as the terminal hangs up.
///
/// When an SSH connection drops, reads from the terminal fail with EIO, and
/// crossterm 0.29 retries such a read forever inside one poll: the process
/// would spin at full CPU and never see SIGHUP. Checking the terminal for a
/// hangup before every poll ends the stream instead.
struct HangupAware(EventStream);

impl futures_util::Stream for HangupAware {
    type Item = std::io::Result<Event>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if terminal_hung_up() {
            return std::task::Poll::Ready(None);
        }
        self.0.poll_next_unpin(cx)
    }
}

/// Whether the terminal (standard input) has hung up or failed.
fn terminal_hung_up() -> bool {
    let mut pfd = libc::pollfd { fd: libc::STDIN_FILENO, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd, zero timeout: the call only reports state.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    n > 0 && pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// What background work reports back to the loop.
enum Msg {
    Fetched { generation: u64, order_id: String, result: Result<crate::model::Order, String> },
    Listed(crate::model::Order),
    ListDone { listed: usize, error: Option<String> },
    LookedUp { order_id: String, result: Result<crate::model::Order, String> },
}

/// How long the selection must rest before its live fetch starts: holding a
/// key down sends no requests for the orders passed over.
const DEBOUNCE: Duration = Duration::from_millis(150);
/// The selected order is fetched again this often while on screen.
const REFETCH: Duration = Duration::from_secs(20);

async fn event_loop(terminal: &mut Term, app: &mut App, store: &mut Store, live: Option<LiveClient>) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let theme = Theme::from_env();
    let mut events = HangupAware(EventStream::new());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut refetch = tokio::time::interval(REFETCH);
    refetch.tick().await;
    // A dropped SSH connection sends SIGHUP; service managers send SIGTERM.
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let mut debounce: Option<(tokio::time::Instant, u64, String)> = None;
    if let Some(l) = &live {
        start_list_refresh(l, app, &tx);
    }
    let mut dirty = true;
    loop {
        if dirty {
            let size = terminal.size()?;
            app.page = view::list_page(size.height);
            terminal.draw(|f| view::draw(f, app, theme))?;
            dirty = false;
        }
        if let Some((generation, id)) = app.live.wanted.take() {
            debounce = Some((tokio::time::Instant::now() + DEBOUNCE, generation, id));
        }
        let deadline = debounce.as_ref().map(|d| d.0);
        tokio::select! {
            // Signals first: after a hangup, quit before touching the terminal.
            biased;
            _ = hup.recv() => break,
            _ = term.recv() => break,
            ev = events.next() => {
                match ev {
                    Some(Ok(ev)) => dirty |= handle_event(ev, app, store, live.as_ref(), &tx),
                    // The terminal is gone (EOF, hangup or an I/O error): leave quietly.
                    Some(Err(_)) | None => break,
                }
                // Take the events that are already waiting before drawing, so
                // a held key costs one frame, not one per repeat.
                let mut gone = false;
                for _ in 0..256 {
                    match events.next().now_or_never() {
                        Some(Some(Ok(ev))) => dirty |= handle_event(ev, app, store, live.as_ref(), &tx),
                        Some(Some(Err(_)) | None) => {
                            gone = true;
                            break;
                        }
                        None => break,
                    }
                }
                if gone {
                    break;
                }
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                if let (Some((_, generation, id)), Some(l)) = (debounce.take(), &live)
                    && app.accepts(generation, &id)
                {
                    start_fetch(l, app, &tx, generation, id);
                    dirty = true;
                }
            }
            Some(msg) = rx.recv() => {
                dirty |= handle_msg(msg, app, store);
            }
            _ = refetch.tick(), if live.is_some() => {
                if let (Some(l), Some(id)) = (&live, app.selected_id().map(str::to_string))
                    && app.overlay.is_none()
                    && app.live.in_flight.is_none()
                {
                    start_fetch(l, app, &tx, app.live.generation, id);
                    dirty = true;
                }
            }
            _ = tick.tick() => {
                app.now = timefmt::now();
                dirty |= app.ticking();
            }
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}

fn start_fetch(l: &LiveClient, app: &mut App, tx: &Sender, generation: u64, order_id: String) {
    app.live.in_flight = Some((generation, order_id.clone()));
    let (client, tx) = (l.client.clone(), tx.clone());
    tokio::spawn(async move {
        let result = client.order_get(&order_id).await.map_err(|e| e.to_string());
        let _ = tx.send(Msg::Fetched { generation, order_id, result });
    });
}

fn start_list_refresh(l: &LiveClient, app: &mut App, tx: &Sender) {
    if app.live.listing.is_some() {
        return;
    }
    app.live.listing = Some(String::new());
    let (client, tx, days) = (l.client.clone(), tx.clone(), l.recent_days);
    tokio::spawn(async move {
        let now = timefmt::now();
        let ids = match client.updated_order_ids(now - days * 86_400, now + 1).await {
            Ok(ids) => ids,
            Err(e) => {
                let _ = tx.send(Msg::ListDone { listed: 0, error: Some(e.to_string()) });
                return;
            }
        };
        let listed = ids.len();
        let mut fetches = futures_util::stream::iter(ids.into_iter().map(|id| {
            let client = client.clone();
            async move { client.order_get(&id).await }
        }))
        .buffer_unordered(4);
        let mut error = None;
        while let Some(result) = fetches.next().await {
            match result {
                Ok(order) => {
                    let _ = tx.send(Msg::Listed(order));
                }
                Err(e) => error = Some(e.to_string()),
            }
        }
        let _ = tx.send(Msg::ListDone { listed, error });
    });
}

type Sender = tokio::sync::mpsc::UnboundedSender<Msg>;

/// Stores a fetched version; returns whether it was new.
fn store_version(store: &mut Store, order: &crate::model::Order, source: &str) -> Result<bool, String> {
    store.add_snapshot(order, timefmt::now(), source).map_err(|e| e.to_string())
}

fn handle_msg(msg: Msg, app: &mut App, store: &mut Store) -> bool {
    match msg {
        Msg::Fetched { generation, order_id, result } => {
            let mine = app.live.in_flight.as_ref() == Some(&(generation, order_id.clone()));
            if mine {
                app.live.in_flight = None;
            }
            match result {
                Ok(order) => {
                    // Every fetched version is kept, even when the selection moved on.
                    let changed = match store_version(store, &order, "live") {
                        Ok(c) => c,
                        Err(e) => {
                            app.fetch_failed(e);
                            return true;
                        }
                    };
                    if app.accepts(generation, &order_id) {
                        app.fetched(&order_id, changed, timefmt::now(), &*store);
                        return true;
                    }
                    false
                }
                Err(e) if app.accepts(generation, &order_id) => {
                    app.fetch_failed(e);
                    true
                }
                Err(_) => false,
            }
        }
        Msg::Listed(order) => {
            let new = store_version(store, &order, "list").unwrap_or(false);
            if new {
                app.reload(&*store);
            }
            app.live.listing = Some(format!("{}", app.orders.len()));
            new
        }
        Msg::ListDone { listed, error } => {
            app.live.listing = None;
            app.reload(&*store);
            // A background result does not hide what the user's own last key said.
            if app.notice.is_none() || error.is_some() {
                app.notice = Some(match (error, app.lang) {
                    (Some(e), _) => e,
                    (None, crate::model::Lang::Zh) => format!("近期订单已刷新：{listed} 个"),
                    (None, crate::model::Lang::En) => format!("recent orders refreshed: {listed}"),
                });
            }
            true
        }
        Msg::LookedUp { order_id, result } => {
            match result {
                Ok(order) => {
                    let _ = store_version(store, &order, "live");
                    app.clear_filter(&*store);
                    app.reload(&*store);
                    app.select_order(&order_id, &*store);
                    app.live.fetched_at.insert(order_id, timefmt::now());
                }
                Err(e) => app.notice = Some(e),
            }
            true
        }
    }
}

/// Applies one terminal event; returns whether the screen must be redrawn.
fn handle_event(ev: Event, app: &mut App, store: &mut Store, live: Option<&LiveClient>, tx: &Sender) -> bool {
    match ev {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            for effect in app.handle_key(key, &*store) {
                match (effect, live) {
                    (Effect::Copy(text), _) => copy_osc52(&text),
                    (Effect::FetchNow, Some(l)) => {
                        if let Some(id) = app.selected_id().map(str::to_string) {
                            start_fetch(l, app, tx, app.live.generation, id);
                        }
                    }
                    (Effect::RefreshList, Some(l)) => start_list_refresh(l, app, tx),
                    (Effect::LookUp(id), Some(l)) => {
                        let (client, tx) = (l.client.clone(), tx.clone());
                        tokio::spawn(async move {
                            let result = client.order_get(&id).await.map_err(|e| e.to_string());
                            let _ = tx.send(Msg::LookedUp { order_id: id, result });
                        });
                    }
                    _ => {}
                }
            }
            true
        }
        Event::Resize(_, _) => true,
        _ => false,
    }
}

/// Copies through the terminal (OSC 52), which works over SSH and in tmux
/// with `set-clipboard on`.
fn copy_osc52(text: &str) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lang, Order};

    fn demo() -> (tempfile::TempDir, Store, App) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("d.db"), OpenMode::Create).unwrap();
        crate::demo::populate(&mut store, 1_795_752_000).unwrap();
        let mut app = App::new("t".into(), Lang::En, 1_795_752_000);
        app.live.enabled = true;
        app.reload(&store);
        (dir, store, app)
    }

    fn changed(store: &Store, id: &str) -> Order {
        let mut order = store.latest_snapshot(id).unwrap().unwrap().order().unwrap();
        order.raw["update_time"] = (order.update_time().unwrap() + 1).into();
        order.raw["order_detail"]["ext_info"]["merchant_notes"] = "changed live".into();
        order
    }

    #[test]
    fn a_stale_answer_is_stored_but_never_shown_on_another_order() {
        let (_dir, mut store, mut app) = demo();
        let first = app.selected_id().unwrap().to_string();
        let (generation, wanted) = app.live.wanted.take().unwrap();
        assert_eq!(wanted, first);
        // The selection moves on before the answer for the first order arrives.
        app.handle_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Down), &store);
        let second = app.selected_id().unwrap().to_string();
        assert_ne!(first, second);
        let versions_before = store.snapshots(&first).unwrap().len();
        let redraw = handle_msg(
            Msg::Fetched { generation, order_id: first.clone(), result: Ok(changed(&store, &first)) },
            &mut app,
            &mut store,
        );
        assert!(!redraw, "a stale answer must not touch the screen");
        assert_eq!(app.detail.as_ref().unwrap().order_id, second);
        assert!(!app.live.fetched_at.contains_key(&first));
        // ...but the version it carried is kept.
        assert_eq!(store.snapshots(&first).unwrap().len(), versions_before + 1);
    }

    #[test]
    fn a_current_answer_updates_the_panes() {
        let (_dir, mut store, mut app) = demo();
        let id = app.selected_id().unwrap().to_string();
        let (generation, _) = app.live.wanted.take().unwrap();
        app.live.in_flight = Some((generation, id.clone()));
        let order = changed(&store, &id);
        assert!(handle_msg(Msg::Fetched { generation, order_id: id.clone(), result: Ok(order) }, &mut app, &mut store));
        let d = app.detail.as_ref().unwrap();
        assert_eq!(d.order_id, id);
        assert!(d.latest.as_ref().unwrap().raw.to_string().contains("changed live"));
        assert!(app.live.in_flight.is_none());
        assert_eq!(
            app.live.fetched_at.get(&id),
            Some(&timefmt::now()).filter(|_| true).or(app.live.fetched_at.get(&id))
        );
        // Re-reading the detail after a fetch does not ask for another fetch.
        assert!(app.live.wanted.is_none());
        // An error for the current order shows; the selection stays.
        let generation = app.live.generation;
        assert!(handle_msg(
            Msg::Fetched { generation, order_id: id.clone(), result: Err("the shop API answered errcode -1".into()) },
            &mut app,
            &mut store
        ));
        assert_eq!(app.live.error.as_deref(), Some("the shop API answered errcode -1"));
        assert_eq!(app.selected_id(), Some(id.as_str()));
    }
}
