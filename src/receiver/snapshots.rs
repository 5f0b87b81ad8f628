//! Snapshot on push: when a push about an order is stored and the shop API
//! is configured, fetch that order in the background and store the version,
//! so pre- and post-shipment versions exist without anyone watching. One
//! fetch at a time per order, a bounded queue (a full queue drops the fetch,
//! never delays an answer to the platform), a few fetches in flight.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, mpsc};

use super::writer::Job;
use crate::api::Client;

pub const QUEUE: usize = 1024;
const IN_FLIGHT: usize = 4;

/// Starts the fetcher; returns the sender the HTTP handler gives order ids to.
pub fn start(client: Client, writer: mpsc::Sender<Job>) -> mpsc::Sender<String> {
    let (tx, mut rx) = mpsc::channel::<String>(QUEUE);
    let client = Arc::new(client);
    let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    tokio::spawn(async move {
        while let Some(order_id) = rx.recv().await {
            // A fetch for this order is already on its way: it will see this change too.
            if !busy.lock().unwrap_or_else(|e| e.into_inner()).insert(order_id.clone()) {
                continue;
            }
            let Ok(permit) = slots.clone().acquire_owned().await else { break };
            let (client, writer, busy) = (client.clone(), writer.clone(), busy.clone());
            tokio::spawn(async move {
                let _permit = permit;
                match client.order_get(&order_id).await {
                    Ok(order) => {
                        let job = Job::Snapshot { order: Box::new(order), fetched_at: crate::timefmt::now() };
                        let _ = writer.send(job).await;
                    }
                    Err(e) => tracing::warn!(order = %order_id, "snapshot after push failed: {e}"),
                }
                busy.lock().unwrap_or_else(|e| e.into_inner()).remove(&order_id);
            });
        }
    });
    tx
}
