//! Scenario `group`: fan-out throughput and latency in one group (and,
//! with [`Conversation::Chatroom`], in one chatroom). Members
//! `{prefix}0..{prefix}K-1` (the group `{prefix}-g{K}` made by `setup
//! --group-members K`) all connect; members `0..S-1` also send to the
//! group. The server pushes each message to every member online except the
//! sending socket (a member's other devices would get a copy; the harness
//! logs each member in once), so each acked message is owed to K-1
//! members. The run sends for `duration` (or until `messages` are sent),
//! waits up to `drain` for the last acks and deliveries, and reports exact
//! counts and latency percentiles.
//!
//! - [`setup`]: creating the group over REST, idempotently.
//! - [`member`]: one member socket (receiving; sending too for senders).
//! - [`report`]: merging the per-socket results, table and JSON.

pub mod member;
pub mod report;
pub mod setup;

use crate::chatroom::{self, shed::ShedCounts};
use crate::conn::Ws;
use crate::direct::sender::{SenderPlan, SenderResult};
use crate::direct::{encoding_name, login_all, quota, run_id, sending, wait_delivered, SendPhase};
use crate::progress::Live;
use crate::setup::user_name;
use crate::target::Target;
use crate::wire::SendTemplate;
use crate::Error;
use member::MemberPlan;
use report::{GroupFacts, GroupReport};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

/// Where the messages go.
#[derive(Debug, Clone)]
pub enum Conversation {
    /// The group `setup --group-members K` made.
    Group,
    /// A chatroom every member joins first (see [`crate::chatroom`]);
    /// `metrics_url` is where the server's shed counters are read.
    Chatroom {
        id: String,
        priority: &'static str,
        metrics_url: String,
    },
}

/// What `group` (or `chatroom`) is to do.
#[derive(Debug, Clone)]
pub struct GroupOptions {
    pub conversation: Conversation,
    pub target: Target,
    pub prefix: String,
    /// K: members of the group, all connected.
    pub members: u32,
    /// S: members that send (the first S).
    pub senders: u32,
    pub send: SendPhase,
}

impl GroupOptions {
    fn check(&self) -> Result<(), Error> {
        let max = match self.conversation {
            Conversation::Group => setup::MAX_MEMBERS,
            Conversation::Chatroom { .. } => chatroom::setup::MAX_MEMBERS,
        };
        if !(2..=max).contains(&self.members) {
            return Err(Error::Usage(format!("--members must be 2..={max}")));
        }
        if self.senders == 0 || self.senders > self.members {
            return Err(Error::Usage("--senders must be 1..=--members".into()));
        }
        self.send.check()
    }
}

/// The logged-in member sockets of a `group` run, member `i` at index `i`.
pub struct Sockets(Vec<Ws>);

/// Logs in every member (and joins each to the chatroom).
pub async fn connect(opts: &GroupOptions, live: &Live) -> Result<Sockets, Error> {
    opts.check()?;
    let sockets = login_all(
        &opts.target,
        (0..opts.members)
            .map(|i| user_name(&opts.prefix, i))
            .collect(),
        opts.send.encoding,
        opts.send.login_concurrency,
        live,
    )
    .await?;
    match &opts.conversation {
        Conversation::Group => Ok(Sockets(sockets)),
        Conversation::Chatroom { id, .. } => {
            chatroom::join_all(sockets, id, opts.send.encoding, opts.send.login_concurrency)
                .await
                .map(Sockets)
        }
    }
}

/// Runs the scenario. Fails only if the sockets cannot be set up.
pub async fn run(opts: &GroupOptions, live: &Arc<Live>) -> Result<GroupReport, Error> {
    let sockets = connect(opts, live).await?;
    sending(live, opts.send.duration, |base| {
        drive(opts, sockets, base, live)
    })
    .await
}

/// The send phase from `base` on, the drain, and the report.
pub async fn drive(
    opts: &GroupOptions,
    sockets: Sockets,
    base: Instant,
    live: &Arc<Live>,
) -> Result<GroupReport, Error> {
    let k = opts.members;
    let s = opts.senders;
    let http = reqwest::Client::new();
    let (gid, template, shed_before) = match &opts.conversation {
        Conversation::Group => {
            let gid = setup::group_id(&opts.prefix, k);
            let t = SendTemplate::group(&gid, opts.send.payload_bytes, opts.send.encoding);
            (gid, t, None)
        }
        Conversation::Chatroom {
            id,
            priority,
            metrics_url,
        } => {
            let t =
                SendTemplate::chatroom(id, priority, opts.send.payload_bytes, opts.send.encoding);
            let before = ShedCounts::read(&http, metrics_url).await?;
            (id.clone(), t, Some(before))
        }
    };
    let run_id = run_id();
    let send_until = base + opts.send.duration;
    let drain_until = send_until + opts.send.drain;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let counters: Vec<Arc<AtomicU64>> = (0..k).map(|_| Arc::default()).collect();
    let interval = opts.send.pacing.interval(s);
    let mut acks = Vec::new();
    let mut tasks = Vec::new();
    for (i, ws) in sockets.0.into_iter().enumerate() {
        let index = i as u32;
        let sender = (index < s).then_some(index);
        let send = sender.map(|p| {
            let plan = SenderPlan {
                pair: p,
                run_id,
                template: template.clone(),
                pacing: opts.send.pacing,
                interval,
                offset: interval.mul_f64(f64::from(p) / f64::from(s)),
                quota: quota(opts.send.messages, p, s),
                base,
                send_until,
                drain_until,
                live: live.clone(),
                msync: None,
            };
            let (tx, rx) = tokio::sync::oneshot::channel();
            acks.push(rx);
            (plan, tx)
        });
        let plan = MemberPlan {
            index,
            sender,
            senders: s,
            run_id,
            base,
            delivered: counters[i].clone(),
            live: live.clone(),
        };
        tasks.push(tokio::spawn(member::run(ws, plan, send, stop_rx.clone())));
    }

    let mut sender_results = Vec::new();
    for (p, rx) in acks.into_iter().enumerate() {
        // A sender whose task died reports nothing sent.
        sender_results.push(rx.await.unwrap_or_else(|_| SenderResult {
            pair: p as u32,
            ..SenderResult::default()
        }));
    }
    let send_ns = sender_results
        .iter()
        .map(|x| x.last_send_ns)
        .max()
        .unwrap_or(0);
    // Drain: each member is owed every acked message of the other senders.
    let acked: Vec<u64> = sender_results
        .iter()
        .map(|x| x.acked_ids.len() as u64)
        .collect();
    let all: u64 = acked.iter().sum();
    let wanted: Vec<u64> = (0..k as usize)
        .map(|i| all - acked.get(i).copied().unwrap_or(0))
        .collect();
    wait_delivered(&counters, &wanted, drain_until).await;
    let _ = stop_tx.send(true);
    let mut members = Vec::new();
    for t in tasks {
        members.push(
            t.await
                .map_err(|e| Error::Server(format!("member task failed: {e}")))?,
        );
    }
    let shed = match (&opts.conversation, shed_before) {
        (Conversation::Chatroom { metrics_url, .. }, Some(before)) => {
            Some(ShedCounts::read(&http, metrics_url).await?.since(before))
        }
        _ => None,
    };
    let (mode, rate, window) = opts.send.pacing.facts();
    let facts = GroupFacts {
        group: gid,
        chatroom: match &opts.conversation {
            Conversation::Group => None,
            Conversation::Chatroom { priority, .. } => Some((*priority, shed.unwrap_or_default())),
        },
        mode,
        members: k,
        rate,
        window,
        encoding: encoding_name(opts.send.encoding),
        payload_bytes: opts.send.payload_bytes,
        send_secs: send_ns as f64 / 1e9,
    };
    Ok(report::build(facts, sender_results, members))
}
