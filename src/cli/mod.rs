//! The command line: flags, and the non-interactive commands ("twins" of
//! what the inspector shows) for scripts and tickets.

mod admin;
mod args;
mod listings;
mod order;
mod render;

use std::io::Write;

use anyhow::{Result, bail};
use serde_json::Value;

use crate::explain::collect::{Missing, what_to_collect};
use crate::model::Origin;
use crate::model::names::Lang;
use crate::settings::Settings;
use crate::store::{OpenMode, Store};
use crate::version_pair::Version;
use crate::{text, timefmt};

pub use admin::{completions, config_init, import, man, reprocess, store_copy};
pub use args::{Cli, Command, ConfigCommand, LangArg, Listing, Shell, StoreCommand};
pub use listings::{expiring, messages, orders};
pub use order::{compare, diff, note, report, show, timeline};
pub use render::{compare_text, diff_text};

pub fn open_store(s: &Settings, mode: OpenMode) -> Result<Store> {
    Ok(Store::open_at(&s.store_location(), mode, crate::store::Durability::Normal)?)
}

/// Whether the configured store exists already: a file on disk, or our
/// schema in the PostgreSQL database (an empty database is no store yet).
fn store_exists(s: &Settings) -> Result<bool> {
    match s.store_location().sqlite_path() {
        Some(path) => Ok(path.exists()),
        None => match open_store(s, OpenMode::Existing) {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.downcast_ref::<crate::store::StoreError>(),
                    Some(crate::store::StoreError::Missing(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        },
    }
}

fn print_json(v: &Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

/// Every stored version of an order; a stored version that no longer
/// parses is an error here (the inspector shows it instead).
pub fn versions(store: &Store, order_id: &str) -> Result<Vec<Version>> {
    let (versions, problems) = store.versions(order_id)?;
    if let Some(problem) = problems.first() {
        bail!("{problem}");
    }
    Ok(versions)
}

/// JSON output speaks English unless a language was chosen; text follows the settings.
fn json_lang(s: &Settings, json_out: bool) -> Lang {
    if json_out && !s.lang_chosen { Lang::En } else { s.lang }
}

/// The store, holding at least one version of `order_id`: fetched from the
/// shop API (and stored) when the store has none and credentials are
/// configured; otherwise an error naming what to collect. An order the store
/// knows only from pushes or notes is returned as it is.
pub fn ensure_order(s: &Settings, order_id: &str, say: bool) -> Result<Store> {
    // The store is opened once: kept when it has the order, or to store the fetch in.
    let existing = if store_exists(s)? { Some(open_store(s, OpenMode::Existing)?) } else { None };
    // Known from pushes or notes only: still worth a fetch, but enough to go on without one.
    let mut known_without_version = false;
    if let Some(store) = &existing {
        if store.reads().latest_snapshot(order_id)?.is_some() {
            return Ok(existing.expect("checked"));
        }
        known_without_version = store.reads().order(order_id)?.is_some() || !store.reads().notes(order_id)?.is_empty();
    }
    let Some(api) = s.api()? else {
        return match existing {
            Some(store) if known_without_version => Ok(store),
            Some(_) => bail!("{}", what_to_collect(order_id, &Missing::NotStoredNoApi, s.lang)),
            None => {
                // Same wording as every other read of a missing store.
                open_store(s, OpenMode::Existing)?;
                bail!("{}", what_to_collect(order_id, &Missing::NotStoredNoApi, s.lang))
            }
        };
    };
    let order = runtime().block_on(api.client().order_get(order_id)).map_err(|e| {
        anyhow::anyhow!("{}", what_to_collect(order_id, &Missing::NotStoredFetchFailed(e.to_string()), s.lang))
    })?;
    let mut store = match existing {
        Some(store) => store,
        None => open_store(s, OpenMode::Create)?,
    };
    store.add_snapshot(&order, timefmt::now(), fetched_source(&api))?;
    if say {
        let done =
            format!("order {order_id} was not in the store: fetched it from the shop API and stored this version");
        text::write_line(&mut std::io::stderr().lock(), &done)?;
    }
    Ok(store)
}

/// The process's one runtime for the commands that call the shop API: made
/// on first use, so the commands that never do pay nothing for it.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime can be built")
    })
}

/// The source a fetched version is stored under: what the demo shop serves is
/// made up, so it is stored as demo, never as observed.
fn fetched_source(api: &crate::settings::ApiSettings) -> Origin {
    api.client().origin_of(Origin::Live)
}

/// An error and its causes as the one line printed on stderr: each cause
/// after a colon, unless the message before already says it (a store error
/// quotes SQLite's own words, and keeps them as its source too).
pub fn error_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_line_names_each_cause_once() {
        let sqlite = rusqlite::Error::InvalidQuery;
        let words = sqlite.to_string();
        let e = anyhow::Error::new(crate::store::StoreError::from(sqlite)).context("cannot read the orders");
        assert_eq!(error_line(&e), format!("cannot read the orders: store error: {words}"));
        assert!(
            std::error::Error::source(e.chain().nth(1).unwrap()).is_some(),
            "the SQLite error is kept as the source"
        );
    }
}
