//! Idle authenticated sockets: opened at a fixed rate (socket `i` logs in
//! as `{prefix}{first_user + i % users}`, device `c{i / users}`, from
//! source address 127.0.0.(2 + i % source_ips)), then held idle, answering
//! pings, until closed. Used by `connect` and by `mixed`.

use crate::conn;
use crate::latency::{Latency, Summary};
use crate::progress::Live;
use crate::setup::user_name;
use crate::target::Target;
use crate::wire::Encoding;
use crate::Error;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Which idle sockets to open.
#[derive(Debug, Clone)]
pub struct IdlePlan {
    pub target: Target,
    pub prefix: String,
    pub sockets: u32,
    /// Socket `i` logs in as user `first_user + i % users`.
    pub first_user: u32,
    pub users: u32,
    /// Connects started per second.
    pub rate: f64,
    /// Source addresses 127.0.0.2.. to spread over (0: the OS chooses).
    pub source_ips: u8,
    pub encoding: Encoding,
    /// Log in over msync (`/websocket`, a token per socket) instead of `/ws`.
    pub msync: bool,
}

/// How the logins went.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Logins {
    pub connected: u64,
    /// Failed logins by kind.
    pub failed: BTreeMap<String, u64>,
    /// One failure message, for a hint.
    pub first_failure: Option<String>,
    /// From the first login started to the last one done, s.
    pub login_secs: f64,
    pub login: Summary,
}

/// Idle sockets being opened or held.
pub struct Idle {
    sockets: u32,
    started: Instant,
    stop: watch::Sender<bool>,
    spawner: JoinHandle<Vec<JoinHandle<()>>>,
    done: mpsc::Receiver<Result<Duration, Error>>,
    closed: Arc<AtomicU64>,
}

fn error_kind(e: &Error) -> String {
    match e {
        Error::Io(io) => format!("io_{:?}", io.kind()).to_lowercase(),
        Error::Usage(_) => "usage".into(),
        Error::Http(_) => "http".into(),
        Error::Ws(_) => "ws".into(),
        Error::Server(_) => "server".into(),
        Error::Timeout(_) => "timeout".into(),
    }
}

/// Holds one socket until `stop`, answering pings; counts an early close.
async fn hold(ws: conn::Ws, mut stop: watch::Receiver<bool>, closed: Arc<AtomicU64>) {
    let (mut sink, mut stream) = ws.split();
    loop {
        tokio::select! {
            frame = stream.next() => match frame {
                // Reading is what makes tungstenite answer pings.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    closed.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Some(Ok(_)) => {}
            },
            changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
        }
    }
    // Best effort: the server also notices the TCP close.
    let _ = sink.send(Message::Close(None)).await;
}

impl Idle {
    /// Starts opening the sockets in the background.
    pub fn start(plan: IdlePlan, live: Arc<Live>) -> Idle {
        let (stop, stop_rx) = watch::channel(false);
        let (done_tx, done) = mpsc::channel::<Result<Duration, Error>>(1024);
        let closed = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let sockets = plan.sockets;
        let http = reqwest::Client::new();
        let spawner = {
            let closed = closed.clone();
            tokio::spawn(async move {
                let mut tasks = Vec::with_capacity(plan.sockets as usize);
                for i in 0..plan.sockets {
                    tokio::time::sleep_until(
                        (started + Duration::from_secs_f64(f64::from(i) / plan.rate)).into(),
                    )
                    .await;
                    let source = (plan.source_ips > 0).then(|| {
                        Ipv4Addr::new(127, 0, 0, 2 + (i % u32::from(plan.source_ips)) as u8)
                    });
                    let user = user_name(&plan.prefix, plan.first_user + i % plan.users);
                    let device = format!("c{}", i / plan.users);
                    let (target, enc, done, stop, closed, live, http) = (
                        plan.target.clone(),
                        plan.encoding,
                        done_tx.clone(),
                        stop_rx.clone(),
                        closed.clone(),
                        live.clone(),
                        http.clone(),
                    );
                    let msync = plan.msync;
                    tasks.push(tokio::spawn(async move {
                        let t0 = Instant::now();
                        let ws = if msync {
                            let timeout = conn::LOGIN_TIMEOUT;
                            crate::msync::login(&http, &target, &user, &device, source, timeout)
                                .await
                        } else {
                            conn::login(&target, &user, &device, enc, source).await
                        };
                        match ws {
                            Ok(ws) => {
                                Live::add(&live.connected, 1);
                                // The collector waits for one result per socket.
                                let _ = done.send(Ok(t0.elapsed())).await;
                                hold(ws, stop, closed).await;
                            }
                            Err(e) => {
                                let _ = done.send(Err(e)).await;
                            }
                        }
                    }));
                }
                tasks
            })
        };
        Idle {
            sockets,
            started,
            stop,
            spawner,
            done,
            closed,
        }
    }

    /// Waits for every login's outcome.
    pub async fn logged_in(&mut self) -> Logins {
        let mut out = Logins::default();
        let mut login = Latency::new();
        for _ in 0..self.sockets {
            match self.done.recv().await {
                Some(Ok(d)) => {
                    out.connected += 1;
                    login.record(d);
                }
                Some(Err(e)) => {
                    *out.failed.entry(error_kind(&e)).or_default() += 1;
                    out.first_failure.get_or_insert_with(|| e.to_string());
                }
                None => break,
            }
        }
        out.login_secs = self.started.elapsed().as_secs_f64();
        out.login = login.summary();
        out
    }

    /// Sockets the server closed so far.
    pub fn closed(&self) -> u64 {
        self.closed.load(Ordering::Relaxed)
    }

    /// Closes every socket, waiting at most `wait` for the closes.
    pub async fn close(self, wait: Duration) -> Result<(), Error> {
        // Every socket task ends on `stop`; the spawner ends with the last login.
        let _ = self.stop.send(true);
        let tasks = self
            .spawner
            .await
            .map_err(|e| Error::Server(format!("spawner failed: {e}")))?;
        // Closing is best effort; the server sees the TCP close regardless.
        let _ = tokio::time::timeout(wait, futures_util::future::join_all(tasks)).await;
        Ok(())
    }
}
