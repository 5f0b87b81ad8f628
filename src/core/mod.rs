//! The pure core: the order model, the diff of two versions, version
//! pairing, the explanations as typed findings, and the text and JSON
//! helpers they share. Nothing here does I/O or reads the environment or
//! the clock: stores, clients, terminals and time come in from the layers
//! above as plain values (`tests/architecture.rs` holds every file here to
//! that). The crate root re-exports each module, so `crate::model` and
//! `crate::core::model` are the same path.

pub mod diff;
pub mod explain;
pub mod json;
pub mod model;
pub mod text;
pub mod version_pair;
