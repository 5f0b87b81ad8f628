//! What goes into the inspector's update function and what comes out:
//! messages (keys, ticks, store and API answers) and effects (the I/O the
//! runner carries out).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyEvent;

use crate::api::ApiError;
use crate::model::{Order, Origin};
use crate::store::StoreError;
use crate::tui::detail::Detail;
use crate::tui::state::{Comparison, Rows};

/// Why a version is being stored, so its answer can be routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// The selected order's live fetch of this generation.
    Fetch(u64),
    /// The lookup of an order id the store did not know, of this generation.
    LookUp(u64),
}

pub use crate::store::feed::Changes;

/// Everything that can happen to the inspector.
///
/// Failures arrive typed, causes and all, and become words only where
/// `update` puts them on screen. A store error comes as `Arc<StoreError>`:
/// it holds SQLite's error, which is neither `Clone` nor comparable, and
/// one error answers many jobs (a store deleted under the inspector
/// refuses every job with the same reason). Sharing it keeps it whole;
/// rewording it into a cloneable copy would drop its source. The shop
/// API's `ApiError` is a plain value already and is sent as it is.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste): one event, however long.
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// Every waiting event has been taken: filter once, load the detail of
    /// where the selection came to rest.
    InputDrained,
    /// The 1 Hz tick, with the time it is.
    Tick {
        now: i64,
    },
    /// Time to fetch the selected order again.
    RefetchDue,
    DebounceElapsed {
        generation: u64,
    },
    /// The order list from the store: its first rows, then all of it. The
    /// whole list is the runner's own (shared, not copied), so that the
    /// changes it merges in later start from the rows on screen.
    ListLoaded {
        rows: Rows,
        complete: bool,
        quarantined: i64,
    },
    /// Orders whose stored records are all made-up demo data.
    DemoOrders(std::collections::HashSet<String>),
    /// The receivers' state and the backlog, read again (sent when it changed).
    Receiver(crate::store::ReceiverStatus),
    ComparisonLoaded {
        a: String,
        b: String,
        result: Result<Box<Comparison>, Arc<StoreError>>,
    },
    DetailLoaded {
        order_id: String,
        detail: Result<Box<Detail>, Arc<StoreError>>,
    },
    /// What other processes stored; `list` is the order list with the
    /// changes already merged in (the runner merges off the drawing task),
    /// or `None` when the runner has no whole list to merge into.
    StoreChanged {
        changes: Changes,
        list: Option<Rows>,
    },
    /// The store cannot be read (connection lost), or can again (`None`).
    StoreProblem(Option<StoreUnreadable>),
    FetchAnswered {
        generation: u64,
        order_id: String,
        result: Result<Order, ApiError>,
    },
    LookUpAnswered {
        generation: u64,
        order_id: String,
        result: Result<Order, ApiError>,
    },
    /// A version was written (`Ok(true)`: it was new) at time `at`.
    VersionStored {
        purpose: Purpose,
        order_id: String,
        result: Result<bool, Arc<StoreError>>,
        at: i64,
    },
    ListProgress {
        fetched: usize,
        listed: usize,
    },
    /// The list refresh is over; `error` is the last fetch that failed.
    ListDone {
        listed: usize,
        error: Option<ApiError>,
    },
    ExpiringLoaded(Result<Vec<crate::expiring::Expiring>, Arc<StoreError>>),
    /// The push stream's rows, newest first.
    PushesLoaded(Result<Vec<crate::tui::pushes::StreamRow>, Arc<StoreError>>),
    /// The report asked for with [`Effect::Report`], built (and written,
    /// for a file).
    ReportReady {
        order_id: String,
        other: Option<String>,
        result: Result<Exported, ReportError>,
    },
}

/// Why the store cannot be read, as the header says it.
#[derive(Debug, thiserror::Error)]
pub enum StoreUnreadable {
    #[error(transparent)]
    Store(Arc<StoreError>),
    /// The file was deleted or replaced (`gone`), and what is at its path
    /// now cannot be opened either.
    #[error("{gone}: {reopen}")]
    Reopen {
        gone: Arc<StoreError>,
        #[source]
        reopen: StoreError,
    },
    #[error("the store thread stopped")]
    ThreadStopped,
}

impl From<StoreError> for StoreUnreadable {
    fn from(e: StoreError) -> StoreUnreadable {
        StoreUnreadable::Store(Arc::new(e))
    }
}

/// Why a report asked for with [`Effect::Report`] was not built or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No store is open to read it from.
    #[error(transparent)]
    Store(Arc<StoreError>),
    /// Building it failed: `report::from_store` answers with `anyhow`,
    /// turned into a boxed error here so its causes stay attached.
    #[error(transparent)]
    Build(Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot write to {}: {source}", dir.display())]
    Write { dir: PathBuf, source: std::io::Error },
    /// Every name from `{stem}.md` to `{stem}-99.md` is taken.
    #[error("cannot write to {}: {stem}.md and 98 more names are taken", dir.display())]
    NamesTaken { dir: PathBuf, stem: String },
}

/// Where a report goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The terminal's clipboard (OSC 52).
    Clipboard,
    /// A new file in the directory the inspector was started in.
    File,
}

/// A report built for [`Destination`].
#[derive(Debug, Clone, PartialEq)]
pub enum Exported {
    /// The Markdown, to be copied.
    Text(String),
    /// Written: the file's path and its lines.
    File { path: String, lines: usize },
}

/// The most text copied through OSC 52: terminals drop or cut longer
/// sequences (xterm's default limit is about this size), so a larger report
/// is written to a file instead of arriving half.
pub const MAX_COPY: usize = 100_000;

/// What the runner must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read the order list: the first rows at once, the rest behind them.
    LoadList,
    LoadDetail {
        order_id: String,
    },
    /// Build the comparison of two orders from the store.
    LoadComparison {
        a: String,
        b: String,
        /// The inspector's clock: spans after shipping run to here.
        now: i64,
    },
    StoreVersion {
        order: Box<Order>,
        /// As a real shop's fetch; the runner, which knows its client,
        /// stores the demo shop's as demo.
        source: Origin,
        purpose: Purpose,
    },
    /// Fetch the order from the shop API (cancelling an older fetch).
    Fetch {
        generation: u64,
        order_id: String,
    },
    /// Cancel the selected order's fetch: the selection moved on.
    CancelFetch,
    LookUp {
        generation: u64,
        order_id: String,
    },
    /// List the orders updated recently and store what changed.
    RefreshList,
    Copy(String),
    /// Read the pushes received since `since`, newest first (at most
    /// [`crate::tui::pushes::MAX_ROWS`]).
    LoadPushes {
        since: i64,
    },
    /// Read the orders whose number expires within `within` of `now`.
    LoadExpiring {
        now: i64,
        within: i64,
    },
    /// Build the report of an order (followed by its comparison with
    /// `other`), as `orderscope report [--compare]` prints it, for `to`.
    Report {
        order_id: String,
        other: Option<String>,
        to: Destination,
        now: i64,
    },
    /// Deliver `msg` after `delay`.
    After {
        delay: Duration,
        msg: DelayedMsg,
    },
}

/// Messages the runner delivers later (a timer), kept cloneable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DelayedMsg {
    DebounceElapsed { generation: u64 },
}

impl From<DelayedMsg> for Msg {
    fn from(d: DelayedMsg) -> Msg {
        match d {
            DelayedMsg::DebounceElapsed { generation } => Msg::DebounceElapsed { generation },
        }
    }
}
