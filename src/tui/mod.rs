//! The interactive inspector.
//!
//! - `state` and `update`: the state and the one pure function that changes
//!   it (`update(&mut State, Msg) -> Vec<Effect>`);
//! - `runner`: carries out effects (the store on its own thread, abortable
//!   shop API calls, timers, the change feed);
//! - `terminal` and `event_loop`: the terminal edge and the loop that joins
//!   them, drawing only when something changed;
//! - `view`: drawing, per screen; `keys`: the one key table;
//! - `detail` and `raw`: what the panes and the raw view show.

pub mod detail;
pub mod event_loop;
pub mod keys;
pub mod prompt;
pub mod pushes;
pub mod raw;
pub mod runner;
pub mod search;
pub mod state;
pub mod terminal;
pub mod update;
pub mod view;

use anyhow::{Context as _, Result};

use crate::model::Lang;
use crate::settings::Settings;
use crate::store::{OpenMode, Store};
use crate::timefmt;
pub use runner::LiveClient;
pub use state::State;
use view::Theme;

/// The inspector on the configured store.
pub fn run_on_store(settings: &Settings) -> Result<()> {
    let location = settings.store_location();
    // Never create a store here: a mistyped path would show an empty shop.
    let store = Store::open_at(&location, OpenMode::Existing, crate::store::Durability::Normal)?;
    let live = settings
        .api()?
        .map(|api| LiveClient { client: std::sync::Arc::new(api.client()), recent_days: settings.recent_days });
    let lang = settings.lang;
    let shop = match settings.appid.as_deref() {
        Some(appid) => format!("{} {}", lang.text("店铺", "shop"), mask_appid(appid)),
        None => lang.text("店铺（未配置 AppID）", "shop (no AppID configured)").to_string(),
    };
    let mode = if live.is_some() { lang.text("实时", "live") } else { lang.text("仅存储", "store only") };
    let title = format!(
        "{shop} · {mode} · {} {} · {} {}",
        lang.text("主机", "host"),
        crate::hostname(),
        lang.text("存储", "store"),
        match &location {
            crate::store::Location::Sqlite(path) => home_relative(path),
            other => other.to_string(),
        }
    );
    run(store, title, lang, None, live)
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

/// Runs the inspector on a store until the user quits, the terminal goes
/// away, or a signal ends it; the terminal is restored in every case.
pub fn run(store: Store, title: String, lang: Lang, select: Option<&str>, live: Option<LiveClient>) -> Result<()> {
    use std::io::IsTerminal;
    // NO_COLOR (no-color.org): any non-empty value turns colour off.
    let theme = Theme { color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(match lang {
            Lang::Zh => "检查器需要终端；脚本请用 `orders`、`show`、`messages` 或 `diff` 加 --json",
            Lang::En =>
                "the inspector needs a terminal; for scripts use `orders`, `show`, `messages` or `diff` with --json",
        });
    }
    let mut state = State::new(title, lang, timefmt::now());
    state.live.enabled = live.is_some();
    state.pending_select = select.map(str::to_string);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        let (msg_tx, msgs) = tokio::sync::mpsc::unbounded_channel();
        let (input_tx, input) = tokio::sync::mpsc::unbounded_channel();
        let listing = live.is_some();
        let mut runner = runner::Runner::start(store, lang, live, msg_tx, Box::new(terminal::copy_osc52))?;
        runner.perform(update::Effect::LoadList);
        if listing {
            state.live.listing = Some((0, 0));
            runner.perform(update::Effect::RefreshList);
        }
        let mut term = terminal::enter().context("cannot set up the terminal")?;
        terminal::spawn_input(input_tx)?;
        let sources = event_loop::Sources { input, msgs, signals: true };
        let end = event_loop::run(&mut state, &mut term, &mut runner, sources, theme).await;
        terminal::leave();
        // ratatui's Terminal shows the cursor on drop and reports failure with
        // eprintln!, which panics when the terminal (and stderr) is gone after
        // a hangup. The cursor is already shown; skip that drop.
        std::mem::forget(term);
        end
    });
    // Tasks still running (a fetch, a list refresh) end with the runtime,
    // without waiting for their answers.
    runtime.shutdown_background();
    result.map(|_| ())
}
