//! The loop: wait for anything (a key, a store answer, a change, a timer),
//! take everything else that is already waiting, then draw once if the
//! state says something changed. Every source is a channel or a timer with a
//! real waker, so a key is drawn as soon as it arrives.

use std::time::Duration;

use anyhow::Result;
use crossterm::event::Event;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedReceiver;

use super::State;
use super::runner::Runner;
use super::terminal::Input;
use super::update::{Msg, update};
use super::view::{self, Theme};
use crate::timefmt;

/// The selected order is fetched again this often while on screen.
pub const REFETCH: Duration = Duration::from_secs(20);

/// The loop's inputs.
pub struct Sources {
    pub input: UnboundedReceiver<Input>,
    pub msgs: UnboundedReceiver<Msg>,
    /// Listen for SIGHUP and SIGTERM (the real terminal; not in tests).
    pub signals: bool,
}

/// Why the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    Quit,
    TerminalGone,
    Signal,
}

fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

pub async fn run<B: Backend>(
    state: &mut State,
    terminal: &mut Terminal<B>,
    runner: &mut Runner,
    mut sources: Sources,
    theme: Theme,
) -> Result<End>
where
    B::Error: Send + Sync + 'static,
{
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = if sources.signals { Some(signal(SignalKind::hangup())?) } else { None };
    let mut term = if sources.signals { Some(signal(SignalKind::terminate())?) } else { None };
    // Raw mode turns Ctrl-C and Ctrl-\ into keys, but `kill -INT` or
    // `kill -QUIT` from elsewhere still arrive as signals, whose default
    // action would leave the terminal in the alternate screen, cursor hidden.
    let mut int = if sources.signals { Some(signal(SignalKind::interrupt())?) } else { None };
    let mut quit = if sources.signals { Some(signal(SignalKind::quit())?) } else { None };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tick.tick().await;
    let mut refetch = tokio::time::interval(REFETCH);
    refetch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    refetch.tick().await;

    let size = terminal.size()?;
    let dispatch = |state: &mut State, runner: &mut Runner, msg: Msg| {
        for effect in update(state, msg) {
            runner.perform(effect);
        }
    };
    dispatch(state, runner, Msg::Resize { width: size.width, height: size.height });
    dispatch(state, runner, Msg::InputDrained);
    loop {
        if state.take_dirty() {
            terminal.draw(|f| view::draw(f, state, theme))?;
        }
        let first = tokio::select! {
            // Signals first: after a hangup, quit before touching the terminal.
            biased;
            _ = wait_signal(&mut hup) => return Ok(End::Signal),
            _ = wait_signal(&mut term) => return Ok(End::Signal),
            _ = wait_signal(&mut int) => return Ok(End::Signal),
            _ = wait_signal(&mut quit) => return Ok(End::Signal),
            input = sources.input.recv() => match input {
                Some(Input::Event(ev)) => to_msg(ev),
                Some(Input::Gone) | None => return Ok(End::TerminalGone),
            },
            Some(msg) = sources.msgs.recv() => Some(msg),
            _ = tick.tick() => Some(Msg::Tick { now: timefmt::now() }),
            _ = refetch.tick() => Some(Msg::RefetchDue),
        };
        if let Some(msg) = first {
            dispatch(state, runner, msg);
        }
        // Take everything already waiting before drawing: a held key or a
        // burst of changes costs one frame, not one per event.
        loop {
            let mut took = false;
            while let Ok(input) = sources.input.try_recv() {
                took = true;
                match input {
                    Input::Event(ev) => {
                        if let Some(msg) = to_msg(ev) {
                            dispatch(state, runner, msg);
                        }
                    }
                    Input::Gone => return Ok(End::TerminalGone),
                }
                if state.quit {
                    return Ok(End::Quit);
                }
            }
            while let Ok(msg) = sources.msgs.try_recv() {
                took = true;
                dispatch(state, runner, msg);
            }
            if !took {
                break;
            }
        }
        dispatch(state, runner, Msg::InputDrained);
        if state.quit {
            return Ok(End::Quit);
        }
    }
}

async fn wait_signal(signal: &mut Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
