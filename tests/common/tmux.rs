//! The one way the tests and benches drive the real binary in a real
//! terminal: a private tmux server per session, keys in with `send-keys`,
//! the screen out with `capture-pane`, tmux's paste buffer for what went to
//! the clipboard (OSC 52).
//!
//! Tests reach it as `common::tmux`; benches include this file by path
//! (`#[path = "../tests/common/tmux.rs"] mod tmux;`), so it uses nothing
//! but the standard library.
//!
//! Every wait polls for what it waits for. Its deadline only turns a hang
//! into a failure that shows the last screen: a slow machine waits longer,
//! it never fails for being slow.
#![allow(dead_code)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long a wait goes on before it is taken for a hang.
pub const HANG: Duration = Duration::from_secs(60);

/// The one session on each private server.
const SESSION: &str = "t";

/// A private tmux server (its own socket, so parallel tests never meet)
/// holding one session. The server is killed when this is dropped, the
/// programs in it with it.
pub struct Tmux {
    socket: String,
    /// How often a wait looks at the screen.
    poll: Duration,
}

impl Tmux {
    /// A server named after `name` and this process; one left over by an
    /// earlier run under the same name is killed first. No session yet.
    pub fn new(name: &str) -> Tmux {
        let t = Tmux { socket: format!("orderscope-{name}-{}", std::process::id()), poll: Duration::from_millis(50) };
        let _ = t.cmd(&["kill-server"]);
        t
    }

    /// A server with a `w`x`h` session running `command` (through `sh -c`).
    pub fn started(name: &str, w: u16, h: u16, command: &str) -> Tmux {
        let t = Tmux::new(name);
        t.start(w, h, command);
        t
    }

    /// Looks at the screen every `poll` while waiting. A bench that times a
    /// wait polls tightly, so the poll adds little to what it measures; the
    /// tests' 50 ms keeps many tmux tests side by side light.
    pub fn polling_every(mut self, poll: Duration) -> Tmux {
        self.poll = poll;
        self
    }

    /// Starts the session: `command` in a `w`x`h` pane.
    pub fn start(&self, w: u16, h: u16, command: &str) {
        self.ok(&["new-session", "-d", "-s", SESSION, "-x", &w.to_string(), "-y", &h.to_string(), command]);
    }

    /// Replaces the pane's program with `command` (the old one is killed),
    /// in a pane that already has its size: start-up is then measured from
    /// the moment the program starts, not from the server's.
    pub fn respawn(&self, command: &str) {
        self.ok(&["respawn-pane", "-k", "-t", SESSION, command]);
    }

    /// Any tmux command on this server, as it came out.
    pub fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-u").arg("-L").arg(&self.socket).args(args).output().expect("tmux is installed")
    }

    /// A tmux command that must succeed.
    fn ok(&self, args: &[&str]) -> Output {
        let o = self.cmd(args);
        assert!(o.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        o
    }

    /// A server-wide option (`set-option -g`).
    pub fn set_option(&self, option: &str, value: &str) {
        self.ok(&["set-option", "-g", option, value]);
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", SESSION]).stdout).into_owned()
    }

    /// The screen with its colours and attributes (escape sequences): a
    /// change of highlight alone shows here and not in [`Tmux::screen`].
    pub fn styled_screen(&self) -> Vec<u8> {
        self.cmd(&["capture-pane", "-p", "-e", "-t", SESSION]).stdout
    }

    /// Keys by tmux's names (`Up`, `Enter`, `q`), one after the other.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        self.ok(&args);
    }

    /// Text typed as it is, no key names.
    pub fn literal(&self, text: &str) {
        self.ok(&["send-keys", "-t", SESSION, "-l", text]);
    }

    /// A tmux format about the pane (`#{pane_pid}`, `#{alternate_on}`), expanded.
    pub fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.ok(&["display-message", "-p", "-t", SESSION, format]).stdout).trim().to_string()
    }

    /// The process tmux started in the pane.
    pub fn pane_pid(&self) -> u32 {
        let pid = self.display("#{pane_pid}");
        pid.parse().unwrap_or_else(|_| panic!("no pane pid: {pid:?}"))
    }

    /// tmux's paste buffer, where OSC 52 puts what a program copies (with
    /// `set-clipboard on`); empty while there is none.
    pub fn buffer(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["show-buffer"]).stdout).into_owned()
    }

    /// Waits until the screen satisfies `ok` and returns that screen.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.try_wait(HANG, &ok).unwrap_or_else(|| panic!("no {what} after {HANG:?}; the screen:\n{}", self.screen()))
    }

    /// The screen once it satisfies `ok`, or `None` when `limit` passes
    /// first: for a caller that does something else then (presses a key
    /// again) and keeps its own deadline.
    pub fn try_wait(&self, limit: Duration, ok: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let s = self.screen();
            if ok(&s) {
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(self.poll);
        }
    }

    /// Waits until the paste buffer satisfies `ok` and returns it.
    pub fn wait_for_buffer(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + HANG;
        loop {
            let b = self.buffer();
            if ok(&b) {
                return b;
            }
            assert!(Instant::now() < deadline, "no {what} in tmux's buffer after {HANG:?}: {b:?}");
            std::thread::sleep(self.poll);
        }
    }

    /// Kills the server now: the pane's terminal hangs up, as when an SSH
    /// connection drops.
    pub fn kill(&self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.kill();
    }
}
