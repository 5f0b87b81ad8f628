//! `orderscope store copy`: everything one store holds (versions, pushes
//! with their delivery counts, receiver periods, notes, sync state) into
//! another, either way between SQLite and PostgreSQL. Every row is matched
//! by its natural key (content hash, duplicate key, the period's or note's
//! fields), so running it twice adds nothing, and an interrupted copy is
//! finished by running it again.

use std::time::{Duration, Instant};

use super::Store;
use super::types::Result;

/// Rows per transaction on the target.
const BATCH: i64 = 1000;
/// A progress line at most this often (and one at the end of each part).
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// What a copy added and found already there.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Copied {
    pub versions: (u64, u64),
    pub pushes: (u64, u64),
    pub periods: (u64, u64),
    pub notes: (u64, u64),
    /// Versions whose stored body no longer parses as an order: not copied.
    pub unreadable: Vec<i64>,
}

impl Copied {
    pub fn line(&self) -> String {
        let part = |(new, known): (u64, u64), what: &str| format!("{new} new {what} ({known} already there)");
        format!(
            "copied {}, {}, {}, {}",
            part(self.versions, "versions"),
            part(self.pushes, "pushes"),
            part(self.periods, "receiver periods"),
            part(self.notes, "notes")
        )
    }
}

struct Progress<'a> {
    say: &'a mut dyn FnMut(&str),
    last: Instant,
}

impl Progress<'_> {
    fn tick(&mut self, what: &str, done: u64, total: i64, last: bool) {
        if last || self.last.elapsed() >= PROGRESS_EVERY {
            self.last = Instant::now();
            (self.say)(&format!("{what}: {done}/{total}"));
        }
    }
}

pub fn copy(from: &Store, to: &mut Store, say: &mut dyn FnMut(&str)) -> Result<Copied> {
    let mut out = Copied::default();
    let mut progress = Progress { say, last: Instant::now() };
    let (_, total_versions, total_pushes) = from.reads().counts()?;

    // Versions first: each new one updates its order's summary as any fetch would.
    let (mut after, mut done) = (0, 0u64);
    loop {
        let rows = from.export().snapshots_after(after, BATCH)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let (new, known) = to.write(|tx| {
            let (mut new, mut known) = (0, 0);
            for row in &rows {
                let Ok(order) = row.order() else { continue };
                if tx.add_snapshot(&order, row.fetched_at, row.source)? {
                    new += 1;
                } else {
                    known += 1;
                }
            }
            Ok((new, known))
        })?;
        out.unreadable.extend(rows.iter().filter(|r| r.order().is_err()).map(|r| r.id));
        out.versions.0 += new;
        out.versions.1 += known;
        done += rows.len() as u64;
        progress.tick("versions", done, total_versions, false);
    }
    progress.tick("versions", done, total_versions, true);

    let (mut after, mut done) = (0, 0u64);
    loop {
        let rows = from.export().full_messages_after(after, BATCH)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let (new, known) = to.write(|tx| {
            let (mut new, mut known) = (0, 0);
            for m in &rows {
                if tx.put_message(m)? {
                    new += 1;
                } else {
                    known += 1;
                }
            }
            Ok((new, known))
        })?;
        out.pushes.0 += new;
        out.pushes.1 += known;
        done += rows.len() as u64;
        progress.tick("pushes", done, total_pushes, false);
    }
    progress.tick("pushes", done, total_pushes, true);

    let periods = from.export().all_periods()?;
    let notes = from.export().all_notes()?;
    let values = from.export().sync_values()?;
    let (periods_new, notes_new) = to.write(|tx| {
        let mut p = 0;
        for period in &periods {
            p += tx.add_receiver_period_once(period)? as u64;
        }
        let mut n = 0;
        for note in &notes {
            n += tx.add_note_once(note)? as u64;
        }
        for (key, value) in &values {
            tx.set_sync_value(key, *value)?;
        }
        Ok((p, n))
    })?;
    out.periods = (periods_new, periods.len() as u64 - periods_new);
    out.notes = (notes_new, notes.len() as u64 - notes_new);
    progress.tick(
        "receiver periods and notes",
        (periods.len() + notes.len()) as u64,
        (periods.len() + notes.len()) as i64,
        true,
    );
    Ok(out)
}
