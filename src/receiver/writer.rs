//! The receiver's one writer: a thread that owns the store connection and
//! commits pushes in groups. Every request waits for its push to be in a
//! committed transaction (with `synchronous=FULL`, on disk) before it is
//! answered; pushes that arrive while a commit is running share the next
//! one, so a burst costs one fsync per group, not one per push.

use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use crate::store::{MessageInsert, NewPush, Redelivery, Store};

/// At most this many jobs share one transaction.
const MAX_GROUP: usize = 1024;

pub enum Job {
    Push {
        received_at: i64,
        envelope: String,
        plaintext: String,
        reply: oneshot::Sender<Result<MessageInsert, String>>,
    },
    Quarantine {
        received_at: i64,
        envelope: String,
        reason: String,
        reply: oneshot::Sender<Result<MessageInsert, String>>,
    },
    /// A version of an order fetched because a push about it arrived.
    Snapshot {
        order: Box<crate::model::Order>,
        fetched_at: i64,
    },
    Heartbeat {
        now: i64,
    },
}

pub struct Writer {
    pub tx: mpsc::Sender<Job>,
    handle: JoinHandle<Result<(), String>>,
}

impl Writer {
    /// Starts the writer on an open store; `period` is this run's receiver period.
    pub fn start(mut store: Store, period: i64, queue: usize) -> Writer {
        let (tx, mut rx) = mpsc::channel::<Job>(queue);
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                let mut group = Vec::with_capacity(MAX_GROUP);
                let (mut jobs, mut commits) = (0u64, 0u64);
                while let Some(first) = rx.blocking_recv() {
                    group.push(first);
                    while group.len() < MAX_GROUP {
                        match rx.try_recv() {
                            Ok(job) => group.push(job),
                            Err(_) => break,
                        }
                    }
                    jobs += group.len() as u64;
                    commits += 1;
                    let t = std::time::Instant::now();
                    let n = group.len();
                    commit_group(&mut store, period, &mut group);
                    tracing::debug!(n, us = t.elapsed().as_micros() as u64, "group committed");
                }
                tracing::info!("committed {jobs} jobs in {commits} transactions");
                // Every sender is gone: the server has stopped. Close the period.
                store.write(|c| c.stop_period(period, crate::timefmt::now())).map_err(|e| e.to_string())
            })
            .expect("spawning the writer thread");
        Writer { tx, handle }
    }

    /// Waits until every queued job is committed and the period is closed.
    pub fn finish(self) -> Result<(), String> {
        drop(self.tx);
        self.handle.join().map_err(|_| "the store writer panicked".to_string())?
    }
}

fn commit_group(store: &mut Store, period: i64, group: &mut Vec<Job>) {
    let mut results: Vec<Result<MessageInsert, String>> = Vec::with_capacity(group.len());
    // The group's pushes go to the store together (PostgreSQL stores them
    // in a few statements, whatever their number).
    let pushes: Vec<NewPush> = group
        .iter()
        .filter_map(|job| match job {
            Job::Push { received_at, envelope, plaintext, .. } => {
                Some(NewPush { received_at: *received_at, envelope: Some(envelope), plaintext, source: "serve" })
            }
            _ => None,
        })
        .collect();
    let only_pushes = pushes.len() == group.len();
    let outcome = if only_pushes {
        // The usual group: pushes only, in a transaction of their own.
        store.store_pushes(&pushes).map(|stored| {
            results.extend(stored.into_iter().map(|r| r.map_err(|e| e.to_string())));
        })
    } else {
        store.write(|c| {
            results.clear();
            let mut stored = c.add_messages(&pushes, Redelivery::Count)?.into_iter();
            for job in group.iter() {
                let r = match job {
                    Job::Push { .. } => stored.next().expect("one outcome per push"),
                    Job::Quarantine { received_at, envelope, reason, .. } => {
                        c.add_quarantined(*received_at, envelope, reason)
                    }
                    Job::Heartbeat { now } => c.heartbeat(period, *now).map(|_| MessageInsert::New(0)),
                    Job::Snapshot { order, fetched_at } => {
                        c.add_snapshot(order, *fetched_at, "push").map(|_| MessageInsert::New(0))
                    }
                };
                // One bad push must not undo the others: record its error and go on.
                results.push(r.map_err(|e| e.to_string()));
            }
            Ok(())
        })
    };
    let unreachable = matches!(outcome, Err(crate::store::StoreError::Unreachable(_)));
    if outcome.is_err() && group.len() > 1 && !unreachable {
        // The whole group failed (PostgreSQL aborts a transaction at its
        // first failed statement): each job again on its own, so one bad
        // push cannot fail the others. (Not when the database is out of
        // reach: each job would only wait for the connection again.)
        for job in group.drain(..) {
            let mut one = vec![job];
            commit_group(store, period, &mut one);
        }
        return;
    }
    let failure = outcome.err().map(|e| e.to_string());
    for (job, result) in group.drain(..).zip(results.drain(..).chain(std::iter::repeat_with(|| Err(String::new())))) {
        let result = match &failure {
            Some(e) => Err(e.clone()),
            None => result,
        };
        match job {
            Job::Push { reply, .. } | Job::Quarantine { reply, .. } => {
                let _ = reply.send(result);
            }
            Job::Heartbeat { .. } | Job::Snapshot { .. } => {
                if let Err(e) = result {
                    tracing::warn!("not recorded: {e}");
                }
            }
        }
    }
}
