//! Snapshot on push: when a push about an order is projected and the shop
//! API is configured, fetch that order in the background and store the
//! version, so pre- and post-shipment versions exist without anyone
//! watching. One fetch at a time per order; a push that arrives while its
//! order is being fetched schedules one more fetch after it (however many
//! arrive, one), because the answer in flight may predate the change the
//! push announces. A bounded queue (a full queue drops the fetch, never
//! delays an answer to the platform), a few fetches in flight.

use std::collections::HashMap;
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, mpsc};

use super::writer::Job;
use crate::api::Client;

pub const QUEUE: usize = 1024;
const IN_FLIGHT: usize = 4;

/// Orders being fetched, each with whether another fetch is owed after it.
#[derive(Default)]
struct InFlight(Mutex<HashMap<String, bool>>);

impl InFlight {
    /// True when the caller should start a fetch; otherwise one more is owed.
    fn start(&self, order_id: &str) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(order_id) {
            Some(again) => {
                *again = true;
                false
            }
            None => {
                map.insert(order_id.to_string(), false);
                true
            }
        }
    }

    /// After a fetch: true when another is owed (and it stays in flight).
    fn finish(&self, order_id: &str) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(order_id) {
            Some(again) if *again => {
                *again = false;
                true
            }
            _ => {
                map.remove(order_id);
                false
            }
        }
    }
}

/// Where fetched versions go: the writer, until the receiver stops.
#[derive(Clone, Default)]
pub struct Sink(Arc<Mutex<Option<SyncSender<Job>>>>);

impl Sink {
    pub fn new(writer: SyncSender<Job>) -> Sink {
        Sink(Arc::new(Mutex::new(Some(writer))))
    }

    /// Lets go of the writer (so it can finish); later fetches are dropped.
    pub fn close(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    fn store(&self, order_id: &str, job: Job) {
        let sent = match &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(writer) => writer.try_send(job).is_ok(),
            None => return,
        };
        if !sent {
            tracing::warn!(order = %order_id, "snapshot after push not stored: the writer is busy");
        }
    }
}

/// Starts the fetcher; returns the sender the projector gives order ids to.
pub fn start(client: Client, writer: Sink) -> mpsc::Sender<String> {
    let (tx, mut rx) = mpsc::channel::<String>(QUEUE);
    let client = Arc::new(client);
    let busy: Arc<InFlight> = Arc::default();
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    tokio::spawn(async move {
        while let Some(order_id) = rx.recv().await {
            if !busy.start(&order_id) {
                continue;
            }
            let Ok(permit) = slots.clone().acquire_owned().await else { break };
            let (client, writer, busy) = (client.clone(), writer.clone(), busy.clone());
            tokio::spawn(async move {
                let _permit = permit;
                loop {
                    match client.order_get(&order_id).await {
                        Ok(order) => {
                            let job = Job::Snapshot { order: Box::new(order), fetched_at: crate::timefmt::now() };
                            writer.store(&order_id, job);
                        }
                        Err(e) => tracing::warn!(order = %order_id, "snapshot after push failed: {e}"),
                    }
                    if !busy.finish(&order_id) {
                        break;
                    }
                }
            });
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_during_a_fetch_owe_exactly_one_more() {
        let f = InFlight::default();
        assert!(f.start("1"));
        assert!(!f.start("1"));
        assert!(!f.start("1"));
        assert!(f.finish("1"));
        assert!(!f.finish("1"));
        assert!(f.start("1"));
    }
}
