//! Closing connections that go quiet: [`IdleListener`] wraps any axum [`Listener`] so that a
//! connection with no bytes in either direction for the idle limit is closed.
//!
//! The request timeout (`edge::limit_time`) only starts once a request's headers have arrived;
//! `axum::serve` sets no timer of its own, so without this a client that stops half-way through
//! its headers (or opens connections and sends nothing) would hold a connection and its task
//! forever. Any traffic restarts the clock, so a slow but moving upload is not cut, and the
//! limit is longer than the request timeout, so a request being handled is never cut either
//! (its answer is traffic). An idle keep-alive connection is closed after the same limit, as
//! most HTTP servers do; clients reconnect transparently.
//!
//! Left out: a separate, shorter limit for the headers alone (hyper's `header_read_timeout`
//! needs its own connection loop instead of `axum::serve`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep, sleep};

/// A listener whose connections close after `limit` without traffic.
pub struct IdleListener<L> {
    inner: L,
    limit: Duration,
}

impl<L> IdleListener<L> {
    /// Wraps `inner`; `limit` must be longer than the request timeout.
    pub fn new(inner: L, limit: Duration) -> IdleListener<L> {
        IdleListener { inner, limit }
    }
}

impl<L: Listener> Listener for IdleListener<L>
where
    L::Io: Unpin,
{
    type Io = IdleStream<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.inner.accept().await;
        (IdleStream::new(io, self.limit), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection that fails with `TimedOut` once it has been quiet for its limit.
///
/// Traffic only notes the time; the timer is moved when it fires early (there was traffic
/// since it was set), so the per-read cost is one clock read, not a timer-wheel update.
pub struct IdleStream<S> {
    inner: S,
    limit: Duration,
    last_traffic: Instant,
    deadline: Pin<Box<Sleep>>,
}

impl<S> IdleStream<S> {
    fn new(inner: S, limit: Duration) -> IdleStream<S> {
        IdleStream {
            inner,
            limit,
            last_traffic: Instant::now(),
            deadline: Box::pin(sleep(limit)),
        }
    }

    /// Traffic: the quiet period starts again.
    fn touch(&mut self) {
        self.last_traffic = Instant::now();
    }

    /// Whether the quiet period is over; otherwise the timer is (re)armed for its end and
    /// holds the waker.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.deadline.as_mut().poll(cx).is_pending() {
                return false;
            }
            let end = self.last_traffic + self.limit;
            if end <= Instant::now() {
                return true;
            }
            // Fired, but there was traffic since it was set: wait for the new end.
            self.deadline.as_mut().reset(end);
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the connection was idle too long")
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.touch();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(written)) => {
                if written > 0 {
                    self.touch();
                }
                Poll::Ready(Ok(written))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(Ok(written)) => {
                if written > 0 {
                    self.touch();
                }
                Poll::Ready(Ok(written))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The idle limit for a request timeout: twice it, so a request being handled is never cut,
/// and ten minutes when requests have no timeout.
pub fn limit_for(request_timeout: Duration) -> Duration {
    if request_timeout.is_zero() {
        Duration::from_secs(600)
    } else {
        request_timeout.saturating_mul(2)
    }
}
