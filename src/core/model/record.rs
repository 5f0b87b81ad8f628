//! What the store keeps about an order besides its versions, as the core
//! reads it: a push as received, a receiver's up period, a reported note.
//! Plain values: the store fills them, the explanation reasons over them,
//! and neither needs the other to say what they are.

use serde::Serialize;

use crate::model::names;

/// A stored push, as much as the story needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PushRecord {
    pub id: i64,
    /// When it reached the store.
    pub received_at: i64,
    /// Its `CreateTime`: when the platform made the event.
    pub created_at: Option<i64>,
    pub event: String,
    pub kind: Option<i64>,
    pub deliveries: i64,
    /// How it reached the store: the receiver, an import, the demo, …
    pub source: crate::model::Origin,
    /// Received and acknowledged, still in the receiver's inbox: not yet
    /// processed into the messages that reads list (`id` is its inbox id).
    /// Stored all the same: never read as missing.
    pub pending: bool,
}

impl PushRecord {
    pub fn is_type5(&self) -> bool {
        names::is_type5(&self.event, self.kind)
    }

    pub fn is_demo(&self) -> bool {
        self.source.is_demo()
    }

    /// The event's time, or the receipt time when the push carries none.
    pub fn event_time(&self) -> i64 {
        self.created_at.unwrap_or(self.received_at)
    }

    /// How much later than its event it arrived, when that is more than the
    /// platform's 5 s answer limit: an earlier delivery then went unanswered
    /// and this one is a retry (every order-callback page: 最长等待5秒, then
    /// the retry schedule).
    pub fn redelivery_delay(&self) -> Option<i64> {
        let delay = self.received_at - self.created_at?;
        (delay > ANSWER_LIMIT).then_some(delay)
    }
}

/// The platform waits at most this long for `success`.
pub const ANSWER_LIMIT: i64 = 5;

/// A period when the push receiver was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: i64,
    /// The stop, or the last heartbeat of a receiver that did not stop cleanly.
    pub end: i64,
    /// False while the period is still open (running, or died without a stop).
    pub stopped: bool,
}

/// A fact someone reported about an order (`orderscope note`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: i64,
    pub order_id: String,
    /// When the reported fact happened, if the reporter said.
    pub at: Option<i64>,
    /// The push the report is about, if any.
    pub event: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<i64>,
    pub text: String,
    /// When the note was written down.
    pub recorded_at: i64,
}

impl Note {
    pub fn is_type5(&self) -> bool {
        let event = self.event.as_deref().unwrap_or("channels_ec_order_ext_info_update");
        names::is_type5(event, self.kind)
    }
}
