//! orderscope: a terminal inspector for WeChat Channels shop orders.
//!
//! The domain core (`model`, `diff`, `explain`) does no I/O; the store, the
//! importer, the CLI and the TUI sit around it.

pub mod api;
pub mod backoff;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod diff;
pub mod doctor;
pub mod expiring;
pub mod explain;
pub mod http;
pub mod import;
pub mod json;
pub mod load;
pub mod loglimit;
pub mod model;
pub mod receiver;
pub mod report;
pub mod settings;
pub mod store;
pub mod sync;
pub mod text;
pub mod timefmt;
pub mod tui;
pub mod version_pair;

/// This host's name, as the header and the receiver's periods show it.
pub fn hostname() -> String {
    hostname::get().map(|h| h.to_string_lossy().into_owned()).unwrap_or_else(|_| "?".into())
}
