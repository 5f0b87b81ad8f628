//! Connections that cannot starve the receiver.
//!
//! Every accepted socket is wrapped so that it is closed when a client takes
//! too long between requests (idle keep-alive), to send a request's head once
//! it has started one, (checked by the handler) to send the body, or to take
//! an answer it was sent (a client that never reads). Open connections are
//! capped, every socket counted until it is closed: at the cap, the
//! connection that has waited longest without its request being handled
//! (idle, sending a head, or sending a body) is closed to make room, so idle,
//! trickling or never-reading sockets can never lock out the platform; only
//! a request whose body has arrived and is being stored is never cut.
//! Refusals and closes are logged, at most one line per kind every few
//! seconds.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How long a client may take, and how many may be connected at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From a request's first byte to the end of its head.
    pub header_timeout: Duration,
    /// From the end of the head to the end of the body.
    pub body_timeout: Duration,
    /// Between requests on a kept-alive connection (and before the first).
    pub idle_timeout: Duration,
    /// How long an answer may wait for its client to take it.
    pub write_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            max_connections: 256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No request in progress, since then.
    Idle(Instant),
    /// A request's head has started arriving, then.
    Head(Instant),
    /// The handler has the head and waits for the body, since then.
    Body(Instant),
    /// The handler has the whole request and is storing it: never cut.
    Busy,
}

/// One connection's state, shared by its socket wrapper, its handler and the registry.
pub struct Clock {
    phase: Mutex<Phase>,
    evicted: AtomicBool,
    waker: Mutex<Option<Waker>>,
    /// Wakes the connection's task, which then drops the socket whatever
    /// hyper is waiting for (a read, or a write nobody takes).
    closing: tokio::sync::Notify,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            phase: Mutex::new(Phase::Idle(Instant::now())),
            evicted: AtomicBool::new(false),
            waker: Mutex::new(None),
            closing: tokio::sync::Notify::new(),
        }
    }

    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, p: Phase) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = p;
    }

    /// The handler has the whole head: the header clock stops, the body's
    /// starts (the handler enforces its deadline).
    pub fn body(&self) {
        self.set(Phase::Body(Instant::now()));
    }

    /// The handler has the whole request.
    pub fn busy(&self) {
        self.set(Phase::Busy);
    }

    /// Ends when the registry has chosen this connection to make room.
    pub async fn evicted(&self) {
        self.closing.notified().await
    }

    /// The handler has answered: the idle clock starts.
    pub fn idle(&self) {
        self.set(Phase::Idle(Instant::now()));
    }

    fn evict(&self) {
        self.evicted.store(true, Ordering::Relaxed);
        // A permit is kept if the task is not waiting yet.
        self.closing.notify_one();
        if let Some(w) = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take() {
            w.wake();
        }
    }
}

/// Why a connection was closed by a limit.
pub const IDLE: &str = "idle keep-alive timeout";
pub const HEADER: &str = "request head not received in time";
pub const EVICTED: &str = "closed to make room under the connection cap";
pub const WRITE: &str = "answer not taken by the client in time";

/// Told once why a connection was closed by a timeout.
pub type OnTimeout = Box<dyn Fn(&'static str) + Send + Sync>;

/// A socket that fails its reads once its client has taken too long.
pub struct Guarded<T> {
    io: T,
    clock: Arc<Clock>,
    limits: Limits,
    sleep: Pin<Box<tokio::time::Sleep>>,
    /// Since when a write has been waiting for the client to read, and the
    /// timer that ends the wait.
    write_since: Option<Instant>,
    write_sleep: Pin<Box<tokio::time::Sleep>>,
    /// hyper closes an idle connection quietly, so the wrapper reports it.
    on_timeout: Option<OnTimeout>,
}

impl<T> Guarded<T> {
    fn timed_out(&mut self, why: &'static str) -> io::Error {
        if let Some(report) = self.on_timeout.take() {
            report(why);
        }
        closed(why)
    }

    fn deadline(&self) -> Option<(Instant, &'static str)> {
        match self.clock.phase() {
            Phase::Idle(since) => Some((since + self.limits.idle_timeout, IDLE)),
            Phase::Head(since) => Some((since + self.limits.header_timeout, HEADER)),
            Phase::Body(_) | Phase::Busy => None,
        }
    }

    /// After a write that could not go on: fails it once the client has
    /// left answers untaken for the write timeout.
    fn write_blocked(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        let since = *self.write_since.get_or_insert_with(Instant::now);
        let at = since + self.limits.write_timeout;
        if Instant::now() >= at {
            return Some(self.timed_out(WRITE));
        }
        self.write_sleep.as_mut().reset(at.into());
        if self.write_sleep.as_mut().poll(cx).is_ready() {
            return Some(self.timed_out(WRITE));
        }
        None
    }

    fn written<R>(&mut self, cx: &mut Context<'_>, result: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        match result {
            Poll::Pending => match self.write_blocked(cx) {
                Some(e) => Poll::Ready(Err(e)),
                None => Poll::Pending,
            },
            done => {
                self.write_since = None;
                done
            }
        }
    }
}

fn closed(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, why)
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.clock.evicted.load(Ordering::Relaxed) {
            return Poll::Ready(Err(closed(EVICTED)));
        }
        *this.clock.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        let deadline = this.deadline();
        if let Some((at, why)) = deadline
            && Instant::now() >= at
        {
            return Poll::Ready(Err(this.timed_out(why)));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before && matches!(this.clock.phase(), Phase::Idle(_)) {
                    this.clock.set(Phase::Head(Instant::now()));
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                if let Some((at, why)) = deadline {
                    this.sleep.as_mut().reset(at.into());
                    if this.sleep.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Err(this.timed_out(why)));
                    }
                }
                Poll::Pending
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write(cx, buf);
        this.written(cx, r)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_flush(cx);
        this.written(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.written(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// Closes asked for and not yet done that may stand above the cap: an
/// evicted task drops its socket at its next poll, so a few suffice, and
/// the descriptors they hold fit in the reserve kept beside the cap.
pub const EVICTING: usize = 16;

/// What became of a new connection.
pub enum Admit {
    /// It has a place.
    Open(Slot),
    /// It has a place another connection is closing to make.
    Room(Slot),
    /// Closes asked for are still under way: try again once they are done.
    Closing,
    /// Every connection is storing a request.
    Full,
}

impl Admit {
    #[cfg(test)]
    fn slot(self) -> Option<(Slot, bool)> {
        match self {
            Admit::Open(s) => Some((s, false)),
            Admit::Room(s) => Some((s, true)),
            Admit::Closing | Admit::Full => None,
        }
    }
}

/// The open connections, for the cap.
pub struct Registry {
    limits: Limits,
    open: Mutex<HashMap<u64, Arc<Clock>>>,
    next: AtomicU64,
}

/// A place in the registry; leaving it (dropping) frees the place.
pub struct Slot {
    registry: Arc<Registry>,
    id: u64,
    pub clock: Arc<Clock>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.registry.open.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

impl Registry {
    pub fn new(limits: Limits) -> Arc<Registry> {
        Arc::new(Registry { limits, open: Mutex::default(), next: AtomicU64::new(0) })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn open_count(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Takes a place for a new connection. At the cap, the connection
    /// waiting longest without its request being handled is told to close
    /// to make room (`Admit::Room` says so); it is counted until its socket
    /// is closed. With `EVICTING` such closes under way the caller must let
    /// them finish first (`Admit::Closing`); when every connection is
    /// storing a request, the new one is refused (`Admit::Full`).
    pub fn admit(self: &Arc<Registry>) -> Admit {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let mut evicted = false;
        if open.len() >= self.limits.max_connections {
            if open.len() >= self.limits.max_connections + EVICTING {
                return Admit::Closing;
            }
            let victim = open
                .iter()
                .filter(|(_, c)| !c.evicted.load(Ordering::Relaxed))
                .filter_map(|(id, c)| match c.phase() {
                    Phase::Idle(t) | Phase::Head(t) | Phase::Body(t) => Some((t, *id)),
                    Phase::Busy => None,
                })
                .min();
            let Some((_, id)) = victim else {
                return if open.values().any(|c| c.evicted.load(Ordering::Relaxed)) {
                    Admit::Closing
                } else {
                    Admit::Full
                };
            };
            open[&id].evict();
            evicted = true;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let clock = Arc::new(Clock::new());
        open.insert(id, clock.clone());
        let slot = Slot { registry: self.clone(), id, clock };
        if evicted { Admit::Room(slot) } else { Admit::Open(slot) }
    }

    /// Wraps an accepted socket with its slot's clock; `on_timeout` hears
    /// why, if a timeout closes it.
    pub fn guard<T>(&self, io: T, slot: &Slot, on_timeout: OnTimeout) -> Guarded<T> {
        Guarded {
            io,
            clock: slot.clock.clone(),
            limits: self.limits,
            sleep: Box::pin(tokio::time::sleep(Duration::from_secs(3600))),
            write_since: None,
            write_sleep: Box::pin(tokio::time::sleep(Duration::from_secs(3600))),
            on_timeout: Some(on_timeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_closes_the_longest_waiting_connection_first() {
        let r = Registry::new(Limits { max_connections: 2, ..Limits::default() });
        let (a, _) = r.admit().slot().unwrap();
        let (b, _) = r.admit().slot().unwrap();
        a.clock.busy();
        let (_c, evicted) = r.admit().slot().unwrap();
        assert!(evicted);
        assert!(b.clock.evicted.load(Ordering::Relaxed) && !a.clock.evicted.load(Ordering::Relaxed));
        // Counted until its socket is closed (its slot dropped).
        assert_eq!(r.open_count(), 3);
        drop(b);
        assert_eq!(r.open_count(), 2);
    }

    #[test]
    fn a_body_trickling_in_makes_room_but_a_request_being_stored_never_does() {
        let r = Registry::new(Limits { max_connections: 2, ..Limits::default() });
        let (stored, _) = r.admit().slot().unwrap();
        stored.clock.busy();
        let (trickle, _) = r.admit().slot().unwrap();
        trickle.clock.body();
        let (_new, evicted) = r.admit().slot().unwrap();
        assert!(evicted && trickle.clock.evicted.load(Ordering::Relaxed));
        assert!(!stored.clock.evicted.load(Ordering::Relaxed));
    }

    #[test]
    fn closes_under_way_are_bounded() {
        let r = Registry::new(Limits { max_connections: 1, ..Limits::default() });
        let mut held = vec![r.admit().slot().unwrap().0];
        for _ in 0..EVICTING {
            let (slot, evicted) = r.admit().slot().unwrap();
            assert!(evicted);
            held.push(slot);
        }
        // Every evicted socket still open: no more room until they close.
        assert!(matches!(r.admit(), Admit::Closing));
        held.remove(0);
        assert!(r.admit().slot().is_some());
    }

    #[test]
    fn at_the_cap_with_every_connection_busy_a_new_one_is_refused() {
        let r = Registry::new(Limits { max_connections: 1, ..Limits::default() });
        let (a, _) = r.admit().slot().unwrap();
        a.clock.busy();
        assert!(matches!(r.admit(), Admit::Full));
        drop(a);
        assert!(r.admit().slot().is_some());
    }
}
