//! Room on the disk and in the WAL: checkpoints asked for and finished
//! between commits, and what the writer does while the disk is full.

use std::time::Instant;

use super::*;

impl Loop {
    /// Counts rows written to the WAL and asks for a checkpoint every
    /// [`CHECKPOINT_EVERY`], so each one copies little.
    pub(super) fn wrote(&mut self, rows: u64) {
        self.since_checkpoint += rows;
        let tight = self.tight_until.is_some_and(|t| Instant::now() < t);
        if let Some(c) = &mut self.checkpointer
            && !c.busy()
            && (self.since_checkpoint >= CHECKPOINT_EVERY || c.wal_frames() >= frame_limit(c, tight))
        {
            self.since_checkpoint = 0;
            c.request();
        }
    }

    /// After a checkpoint beside the writer, copies what was committed while
    /// it ran (little: see [`Checkpointer::ready_to_finish`]), so the next
    /// commit can start the WAL over. Called between two commits.
    pub(super) fn finish_checkpoint(&mut self) {
        let last_write = self.last_write;
        if !self.checkpointer.as_mut().is_some_and(|c| c.ready_to_finish(last_write)) {
            return;
        }
        let started = Instant::now();
        let result = self.store.inbox_mut().checkpoint();
        self.stages.checkpoints.record(started.elapsed());
        if let Err(e) = result {
            self.journal.warn("checkpoint", None, || format!("checkpoint failed: {e}"));
        }
    }

    /// A write failed for want of disk space.
    pub(super) fn out_of_space(&mut self) {
        self.short_of_space.get_or_insert_with(Instant::now);
        self.tight_until = Some(Instant::now() + TIGHT);
    }

    /// While the disk is full: before the inbox takes any space that was
    /// freed, the writer's own checkpoint (room in the database file for
    /// what the WAL holds, after which the WAL is rewritten in place) and a
    /// projection step, whatever the backoff says. Done when both work.
    pub(super) fn look_for_space(&mut self) {
        if self.space_looked.elapsed() < SPACE_LOOK {
            return;
        }
        self.space_looked = Instant::now();
        if let Err(e) = self.store.inbox_mut().checkpoint() {
            // Looked at again after the backoff when no push comes first.
            let e = self.store.explain(e);
            self.pause_projection(&e);
            return;
        }
        if self.appended > self.cursor || !self.side.is_empty() {
            self.retry_at = None;
            if !self.project_once(PROJECT_CHUNK) {
                return;
            }
        }
        if let Some(since) = self.short_of_space.take() {
            let short = since.elapsed().as_secs_f64();
            tracing::info!("the disk has room again after {short:.1} s: checkpointed, projecting as before");
        }
    }
}

/// The WAL frames at which a checkpoint is asked for: [`CHECKPOINT_FRAMES`],
/// or when space is tight three quarters of what the WAL file already holds.
pub(super) fn frame_limit(c: &Checkpointer, tight: bool) -> i64 {
    if tight { (c.wal_room() * 3 / 4).clamp(64, CHECKPOINT_FRAMES) } else { CHECKPOINT_FRAMES }
}
