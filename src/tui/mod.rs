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

use crate::cli::Cli;
use crate::store::{OpenMode, Store};
use crate::timefmt;
use app::{App, Effect};
use view::Theme;

/// The inspector on the configured store.
pub fn run_on_store(cli: &Cli) -> Result<()> {
    let path = cli.store_path()?;
    let store = Store::open(&path, OpenMode::Create)?;
    let shop = match std::env::var("ORDERSCOPE_APPID") {
        Ok(id) if !id.is_empty() => format!("shop {}", mask_appid(&id)),
        _ => "shop ?".to_string(),
    };
    let title = format!("{shop} · host {} · store {}", hostname(), home_relative(&path));
    run(store, title, cli, None)
}

/// The inspector on the bundled demo shop, in a temporary store removed on exit.
pub fn run_demo(cli: &Cli) -> Result<()> {
    let demo = crate::demo::DemoStore::create(timefmt::now()).context("cannot build the demo shop")?;
    let store = Store::open(demo.path(), OpenMode::Existing)?;
    let title = format!("demo shop · host {} · store (temporary)", hostname());
    let result = run(store, title, cli, Some(crate::demo::SEED_ORDER_ID));
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

fn run(store: Store, title: String, cli: &Cli, select: Option<&str>) -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the inspector needs a terminal; for scripts use `orders`, `show`, `messages` or `diff` with --json"
        );
    }
    let mut app = App::new(title, cli.lang(), timefmt::now());
    app.reload(&store);
    if let Some(id) = select {
        app.select_order(id, &store);
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut terminal = enter_terminal().context("cannot set up the terminal")?;
    let result = runtime.block_on(event_loop(&mut terminal, &mut app, &store));
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

async fn event_loop(terminal: &mut Term, app: &mut App, store: &Store) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let theme = Theme::from_env();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // A dropped SSH connection sends SIGHUP; service managers send SIGTERM.
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut dirty = true;
    loop {
        if dirty {
            let size = terminal.size()?;
            app.page = view::list_page(size.height);
            terminal.draw(|f| view::draw(f, app, theme))?;
            dirty = false;
        }
        tokio::select! {
            ev = events.next() => {
                match ev {
                    Some(Ok(ev)) => dirty |= handle_event(ev, app, store),
                    // The terminal is gone (EOF or an I/O error): leave quietly.
                    Some(Err(_)) | None => break,
                }
                // Take every event that is already waiting before drawing, so
                // a held key costs one frame, not one per repeat.
                while let Some(Some(Ok(ev))) = events.next().now_or_never() {
                    dirty |= handle_event(ev, app, store);
                }
            }
            _ = tick.tick() => {
                app.now = timefmt::now();
                dirty |= app.countdown_visible();
            }
            _ = hup.recv() => break,
            _ = term.recv() => break,
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}

/// Applies one terminal event; returns whether the screen must be redrawn.
fn handle_event(ev: Event, app: &mut App, store: &Store) -> bool {
    match ev {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            for effect in app.handle_key(key, store) {
                match effect {
                    Effect::Copy(text) => copy_osc52(&text),
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
