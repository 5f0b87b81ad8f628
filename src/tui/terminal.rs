//! The terminal edge: raw mode and the alternate screen (always restored, on
//! quit, panic, hangup and SIGTERM), the input thread, and OSC 52 copies.

use std::io::Write;
use std::time::Duration;

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::UnboundedSender;

pub type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

/// What the input thread reports.
#[derive(Debug)]
pub enum Input {
    Event(Event),
    /// The terminal is gone (EOF, hangup or an I/O error).
    Gone,
}

pub fn enter() -> std::io::Result<Term> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            leave();
            previous(info);
        }));
    });
    crossterm::terminal::enable_raw_mode()?;
    // Bracketed paste: a paste arrives as one event, not as thousands of keys.
    if let Err(e) = crossterm::execute!(std::io::stdout(), EnterAlternateScreen, Hide, EnableBracketedPaste) {
        leave();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(std::io::stdout()))
}

/// Puts the terminal back, ignoring errors: after a hangup there is no
/// terminal left to restore, and that must not turn into a panic.
pub fn leave() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste, LeaveAlternateScreen, Show);
}

/// Reads the terminal on a thread of its own and sends every event at once
/// through a channel, whose receiver wakes the loop like any other message.
///
/// When an SSH connection drops, reads from the terminal fail with EIO, and
/// crossterm retries such a read inside its poll: checking the terminal for
/// a hangup before every poll ends the input instead of spinning.
pub fn spawn_input(tx: UnboundedSender<Input>) -> std::io::Result<()> {
    std::thread::Builder::new().name("orderscope-input".into()).spawn(move || {
        loop {
            if hung_up() {
                let _ = tx.send(Input::Gone);
                return;
            }
            match crossterm::event::poll(Duration::from_millis(250)) {
                Ok(true) => match crossterm::event::read() {
                    Ok(ev) => {
                        if tx.send(Input::Event(ev)).is_err() {
                            return;
                        }
                    }
                    Err(_) => {
                        let _ = tx.send(Input::Gone);
                        return;
                    }
                },
                Ok(false) if tx.is_closed() => return,
                Ok(false) => {}
                Err(_) => {
                    let _ = tx.send(Input::Gone);
                    return;
                }
            }
        }
    })?;
    Ok(())
}

/// Whether the terminal (standard input) has hung up or failed.
fn hung_up() -> bool {
    let mut pfd = libc::pollfd { fd: libc::STDIN_FILENO, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd, zero timeout: the call only reports state.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    n > 0 && pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// Copies through the terminal (OSC 52), which works over SSH and in tmux
/// with `set-clipboard on`.
pub fn copy_osc52(text: &str) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}
