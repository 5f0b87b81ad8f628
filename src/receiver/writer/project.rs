//! Projection: turning the inbox's rows into messages and order
//! summaries, in steps that also move the store's cursor; under load a
//! share after each inbox commit, and the rows other hosts left behind.

use std::time::Instant;

use super::*;

impl Loop {
    /// Rows appended to a shared inbox by other hosts (alive or not) that
    /// nobody has projected: this writer projects them too.
    pub(super) fn look_at_shared_inbox(&mut self) {
        self.looked = Instant::now();
        match self.store.inbox().inbox_state() {
            Ok((cursor, last)) => {
                self.cursor = self.cursor.max(cursor);
                if last > self.appended.max(self.cursor) {
                    self.appended = last;
                    self.behind_since.get_or_insert_with(Instant::now);
                }
                self.note_progress();
            }
            Err(e) => {
                let e = self.store.explain(e);
                self.journal.warn("shared inbox", None, || format!("cannot look at the shared inbox: {e}"));
            }
        }
    }

    /// Under load: projects up to `rows` rows in a few larger transactions,
    /// stopping early when caught up or when a step fails.
    pub(super) fn project_share(&mut self, rows: usize) {
        let mut left = rows;
        while left > 0 && (self.appended > self.cursor || !self.side.is_empty()) {
            if self.retry_at.is_some_and(|at| Instant::now() < at) {
                return;
            }
            let before = self.cursor;
            if !self.project_once(left.min(CATCH_UP_CHUNK)) {
                return;
            }
            let done = (self.cursor - before).max(0) as usize;
            if done == 0 {
                return;
            }
            left = left.saturating_sub(done);
        }
    }

    /// After the cursor moved: forgets the groups projected and says how
    /// long the oldest row left has waited.
    pub(super) fn note_progress(&mut self) {
        while self.groups.front().is_some_and(|(last, _)| *last <= self.cursor) {
            self.groups.pop_front();
        }
        self.appended = self.appended.max(self.cursor);
        self.behind_since = if self.appended > self.cursor {
            // The oldest of this writer's own rows left; rows only another
            // host appended keep the time they were first seen.
            self.groups.front().map(|(_, at)| *at).or(self.behind_since)
        } else {
            self.groups.clear();
            None
        };
    }

    /// Projects one chunk unless a failed projection is waiting for its retry time.
    pub(super) fn project_due(&mut self) {
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            return;
        }
        self.project_once(PROJECT_CHUNK);
    }

    /// One projection step of up to `limit` rows; false when it failed and
    /// projection is paused.
    pub(super) fn project_once(&mut self, limit: usize) -> bool {
        let side = std::mem::take(&mut self.side);
        let t0 = Instant::now();
        let result = self.write_projection(limit, None, &side);
        self.stages.projections.record(t0.elapsed());
        match result {
            Ok(()) => {
                self.retry_at = None;
                self.pause.reset();
                true
            }
            Err(e) => {
                let cursor = self.cursor;
                self.journal.error("projection failed", None, || {
                    format!("projecting inbox rows after {cursor} failed: {e}; retrying them one by one")
                });
                // Snapshots and heartbeats are best effort: logged, not retried.
                for job in side {
                    if let Err(e) = self.store.write(|c| write_side(c, self.period, &job)) {
                        self.journal.warn("side write", None, || format!("not recorded: {e}"));
                    }
                }
                self.project_singly()
            }
        }
    }

    /// After a failed chunk: each row alone, then alone in quarantine.
    pub(super) fn project_singly(&mut self) -> bool {
        let rows = match self.store.inbox().inbox_after(self.cursor, PROJECT_CHUNK) {
            Ok(rows) => rows,
            Err(e) => return self.pause_projection(&e),
        };
        for row in rows {
            if let Err(e) = self.write_projection(1, None, &[]) {
                // Wanting space is no fault of the row's: it waits for space.
                if self.short_of_space.is_some() {
                    return self.pause_projection(&e);
                }
                let reason = format!("projection failed: {e}");
                match self.write_projection(1, Some(&reason), &[]) {
                    Ok(()) => self.journal.warn("projection quarantine", None, || {
                        format!("push kept in quarantine (inbox row {}): {reason}", row.id)
                    }),
                    Err(e) => return self.pause_projection(&e),
                }
            }
        }
        self.retry_at = None;
        self.pause.reset();
        true
    }

    pub(super) fn pause_projection(&mut self, error: &store::StoreError) -> bool {
        let (safe, pause) = (self.appended - self.cursor, self.pause.pause());
        self.journal.error("projection paused", None, || {
            format!("cannot project ({error}); {safe} pushes are safe in the inbox, retrying in {pause:?}")
        });
        self.retry_at = Some(Instant::now() + pause);
        false
    }

    /// Projects up to `limit` rows after the cursor (and writes `side`) in one transaction.
    pub(super) fn write_projection(
        &mut self,
        limit: usize,
        quarantine: Option<&str>,
        side: &[Job],
    ) -> store::Result<()> {
        let period = self.period;
        self.last_write = Instant::now();
        // Committed without waiting for the disk: the next inbox commit's
        // fsync carries these pages too (a few more to write, no second
        // flush), and a crash before it loses the step whole, cursor
        // included, to be projected again. The cursor is the stored one: on
        // a shared store another host's projector may have moved it.
        let result = self.store.write_derived(|c| {
            let projected = c.project_inbox(limit, quarantine)?;
            for job in side {
                write_side(c, period, job)?;
            }
            Ok(projected)
        });
        if result.as_ref().is_err_and(store::StoreError::is_disk_full) {
            self.out_of_space();
        }
        let (rows, projected, cursor) = result.map_err(|e| self.store.explain(e))?;
        self.cursor = cursor;
        self.note_progress();
        self.wrote(rows.len() as u64);
        for (row, p) in rows.into_iter().zip(projected) {
            if let store::MessageInsert::Duplicate(id) = p.outcome {
                self.journal.count(Count::Redelivered);
                tracing::debug!(message = id, inbox = row.id, "repeated push counted");
            } else if p.quarantined {
                self.journal.count(Count::Quarantined);
            }
            // Projected: from now on the store finds it. (Nothing to hash
            // for the pushes of a live shop, which are never late.)
            if !self.late_keys.is_empty() {
                self.late_keys.remove(&row.dup_key);
            }
            if let Some(after) = &self.after {
                let item = AfterProjection {
                    projected: p,
                    query: row.query,
                    content_type: row.content_type,
                    envelope: row.envelope,
                };
                if after.try_send(item).is_err() {
                    self.journal
                        .error("after projection", None, || "busy: a stored push was not forwarded or fetched".into());
                }
            }
        }
        Ok(())
    }
}

pub(super) fn write_side(c: &mut dyn store::Tx, period: i64, job: &Job) -> store::Result<()> {
    match job {
        Job::Heartbeat { now } => c.heartbeat(period, *now),
        Job::Snapshot { order, fetched_at } => {
            c.add_snapshot(order, *fetched_at, crate::model::Origin::PushReread).map(|_| ())
        }
        Job::Push { .. } => Ok(()),
    }
}
