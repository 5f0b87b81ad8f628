//! orderscope: a terminal inspector for WeChat Channels shop orders.
//!
//! The pure core (`core`: the model, the diff, version pairing, the
//! explanations) does no I/O; the store, the receiver, the shop-API client,
//! the command line and the inspector sit around it (see ARCHITECTURE.md).

pub mod api;
pub mod backoff;
pub mod cli;
pub mod config;
pub mod core;
pub mod crypto;
pub mod demo;
pub mod doctor;
pub mod expiring;
pub mod http;
pub mod import;
pub mod load;
pub mod loglimit;
pub mod receiver;
pub mod report;
pub mod settings;
pub mod store;
pub mod sync;
pub mod timefmt;
pub mod tui;

// The core's modules under their short names.
pub use self::core::{diff, explain, json, model, text, version_pair};

/// This host's name, as the header and the receiver's periods show it.
pub fn hostname() -> String {
    hostname::get().map(|h| h.to_string_lossy().into_owned()).unwrap_or_else(|_| "?".into())
}
