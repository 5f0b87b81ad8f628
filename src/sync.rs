//! `orderscope sync`: list the orders updated in a span and store a version
//! of each that changed. With `--follow` it keeps polling, and remembers in
//! the store where it got to, so a restart resumes from there.
//!
//! Fetches run a few at a time so the run waits on the API, not on itself;
//! the store writes are batched into one transaction per chunk.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::StreamExt;

use crate::api::Client;
use crate::settings::Settings;
use crate::store::{OpenMode, Store};
use crate::timefmt;

/// `order/get` calls in flight at once.
const PARALLEL: usize = 8;
/// Overlap between polls, for orders updated while the last one ran.
const OVERLAP: i64 = 60;
const CURSOR: &str = "sync_until";
/// Progress lines in a log come this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub listed: usize,
    pub new_versions: usize,
    pub failed: usize,
    /// Time spent writing to the store, of the whole run.
    pub store_time: Duration,
    pub total_time: Duration,
}

impl Summary {
    /// The line a user reads: what was listed, stored and failed.
    pub fn line(&self) -> String {
        format!(
            "{} orders listed, {} new versions stored, {} failed, in {:.1} s",
            self.listed,
            self.new_versions,
            self.failed,
            self.total_time.as_secs_f64()
        )
    }

    /// The share of the time spent in the store: a figure for whoever tunes
    /// sync (and the benchmark), not for the user's screen.
    pub fn store_share(&self) -> f64 {
        if self.total_time.is_zero() {
            0.0
        } else {
            self.store_time.as_secs_f64() / self.total_time.as_secs_f64() * 100.0
        }
    }
}

/// One pass: every order updated in `[start, end)`.
pub async fn pass(client: &Client, store: &mut Store, start: i64, end: i64, progress: Progress) -> Result<Summary> {
    let began = Instant::now();
    let ids = client.updated_order_ids(start, end).await?;
    let mut summary = Summary { listed: ids.len(), ..Summary::default() };
    let mut fetches = futures_util::stream::iter(ids.iter().map(|id| client.order_get(id)))
        .buffer_unordered(PARALLEL)
        .ready_chunks(64);
    let mut done = 0;
    let mut last_line = Instant::now();
    let mut last_error = None;
    while let Some(chunk) = fetches.next().await {
        let t = Instant::now();
        let now = timefmt::now();
        let new = store.in_task(|store| {
            store.write(|c| {
                let mut new = 0;
                for result in &chunk {
                    if let Ok(order) = result
                        && c.add_snapshot(order, now, crate::model::Origin::Sync)?
                    {
                        new += 1;
                    }
                }
                Ok(new)
            })
        })?;
        summary.store_time += t.elapsed();
        summary.new_versions += new;
        for r in &chunk {
            if let Err(e) = r {
                summary.failed += 1;
                last_error = Some(e.to_string());
            }
        }
        done += chunk.len();
        let shown = progress.line(last_line.elapsed(), done, ids.len(), summary.new_versions, timefmt::now());
        if let Some(text) = shown {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
            last_line = Instant::now();
        }
    }
    if progress == Progress::Terminal && !ids.is_empty() {
        eprintln!();
    }
    if let Some(e) = last_error {
        let line = format!("orderscope: {} orders could not be fetched; last error: {e}", summary.failed);
        let _ = crate::text::write_line(&mut std::io::stderr().lock(), &line);
    }
    summary.total_time = began.elapsed();
    Ok(summary)
}

/// The oldest start a sync may ask for: 微信小店 did not exist before 2020.
const EARLIEST: i64 = 1_577_808_000; // 2020-01-01 00:00 +08:00
/// Spans longer than this need `--yes`: the platform does not say how long
/// it keeps orders listable, and each 7-day window is at least one call.
pub const LONGEST_WITHOUT_YES: i64 = 366 * 86_400;

/// Refuses a span that reaches before the platform existed, and asks for
/// `--yes` before one longer than a year.
pub fn check_span(since: i64, now: i64, yes: bool) -> Result<()> {
    let windows = since / (7 * 86_400) + 1;
    if now.saturating_sub(since) < EARLIEST {
        anyhow::bail!(
            "--since {} reaches back before 2020, when no shop orders existed ({windows} list calls); give a span like 30d",
            crate::timefmt::coarse(since)
        );
    }
    if since > LONGEST_WITHOUT_YES && !yes {
        anyhow::bail!(
            "--since {} is longer than a year ({windows} list calls, and the platform may not keep orders that old); \
             add --yes to go ahead",
            crate::timefmt::coarse(since)
        );
    }
    Ok(())
}

/// How progress is shown: rewritten in place on a terminal, one line every
/// few seconds in a log (a systemd journal, a file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Terminal,
    Lines,
    Quiet,
}

impl Progress {
    /// What to write to stderr after `done` of `total` fetches, `since_last`
    /// after the previous progress output.
    fn line(self, since_last: Duration, done: usize, total: usize, new: usize, now: i64) -> Option<String> {
        let text = format!("synced {done}/{total} orders, {new} new versions");
        match self {
            Progress::Terminal => Some(format!("\r\x1b[K{text}")),
            Progress::Lines if since_last >= PROGRESS_EVERY && done < total => {
                Some(format!("{} {text}\n", timefmt::full_tz(now)))
            }
            Progress::Lines | Progress::Quiet => None,
        }
    }
}

pub fn run(settings: &Settings, since: i64, follow: bool, interval: i64, yes: bool) -> Result<bool> {
    check_span(since, timefmt::now(), yes)?;
    let client = settings.require_api()?.client();
    let mut store = Store::open_at(&settings.store_location(), OpenMode::Create, crate::store::Durability::Normal)?;
    let progress = if std::io::stderr().is_terminal() { Progress::Terminal } else { Progress::Lines };
    let runtime = store.runtime()?;
    runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let mut start = match (follow, store.in_task(|s| s.reads().sync_value(CURSOR))?) {
            (true, Some(until)) => {
                eprintln!("{} resuming from {}", timefmt::full_tz(timefmt::now()), timefmt::full_tz(until));
                until - OVERLAP
            }
            _ => timefmt::now() - since,
        };
        let mut ok = true;
        loop {
            let end = timefmt::now() + 1;
            let summary = tokio::select! {
                s = pass(&client, &mut store, start, end, progress) => s?,
                _ = term.recv() => break,
                _ = int.recv() => break,
            };
            tracing::debug!(store_share = summary.store_share(), "sync pass");
            if follow {
                println!("{} {}", timefmt::full_tz(timefmt::now()), summary.line());
            } else {
                println!("{}", summary.line());
            }
            ok &= summary.failed == 0;
            store.in_task(|s| s.write(|c| c.set_sync_value(CURSOR, end)))?;
            if !follow {
                break;
            }
            start = end - OVERLAP;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(interval.max(1) as u64)) => {}
                _ = term.recv() => break,
                _ = int.recv() => break,
            }
        }
        Ok(ok)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_gets_a_timestamped_line_every_few_seconds_and_a_terminal_one_in_place() {
        let t = 1767241651;
        let lines = Progress::Lines;
        assert_eq!(lines.line(Duration::from_secs(1), 64, 500, 3, t), None);
        assert_eq!(
            lines.line(PROGRESS_EVERY, 128, 500, 3, t).as_deref(),
            Some("2026-01-01 12:27:31 +08:00 synced 128/500 orders, 3 new versions\n")
        );
        // The last chunk is covered by the summary line.
        assert_eq!(lines.line(PROGRESS_EVERY, 500, 500, 3, t), None);
        assert_eq!(
            Progress::Terminal.line(Duration::ZERO, 64, 500, 0, t).as_deref(),
            Some("\r\x1b[Ksynced 64/500 orders, 0 new versions")
        );
        assert_eq!(Progress::Quiet.line(PROGRESS_EVERY, 1, 500, 0, t), None);
    }

    #[test]
    fn spans_past_a_year_need_yes_and_before_2020_are_refused() {
        let now = 1767241651;
        assert!(check_span(30 * 86_400, now, false).is_ok());
        let e = check_span(400 * 86_400, now, false).unwrap_err().to_string();
        assert!(e.contains("longer than a year") && e.contains("--yes"), "{e}");
        assert!(check_span(400 * 86_400, now, true).is_ok());
        let e = check_span(i64::MAX / 2, now, true).unwrap_err().to_string();
        assert!(e.contains("before 2020"), "{e}");
    }
}
