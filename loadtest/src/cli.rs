//! The command line of `imcloud-loadtest`: one subcommand per scenario,
//! each turned into that scenario's options.

use crate::connect::rss::RssSource;
use crate::connect::ConnectOptions;
use crate::direct::{DirectOptions, Pacing, SendPhase};
use crate::group::{Conversation, GroupOptions};
use crate::mixed::MixedOptions;
use crate::offline::OfflineOptions;
use crate::rest::Credentials;
use crate::rest_load::RestOptions;
use crate::setup::SetupOptions;
use crate::target::Target;
use crate::wire::Encoding;
use crate::Error;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "imcloud-loadtest",
    about = "Load-test harness for imcloud (loopback targets only)"
)]
pub struct Cli {
    /// Worker threads of the harness's runtime.
    #[arg(long, global = true, default_value_t = 2)]
    pub threads: usize,
    /// Print one JSON object instead of the table.
    #[arg(long, global = true)]
    pub json: bool,
    /// Also draw the run's per-second latency percentiles and throughput
    /// into this SVG file (direct, group, offline, rest, mixed).
    #[arg(long, global = true, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Print two `--json` reports side by side with ratios B/A, and exit.
    #[arg(long, num_args = 2, value_names = ["A.json", "B.json"])]
    pub compare: Option<Vec<PathBuf>>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Server and app, shared by every scenario.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The server's base URL (127.0.0.0/8 only). A cluster's nodes:
    /// several, comma-separated; REST goes to the first, sockets to each
    /// in turn.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The app, `org#app`.
    #[arg(long, default_value = "demo#chat")]
    pub app: String,
    /// User names are `{prefix}{n}`.
    #[arg(long, default_value = "lt")]
    pub prefix: String,
    /// Send MessagePack binary frames instead of JSON text frames.
    #[arg(long)]
    pub msgpack: bool,
    /// The WebSocket URL (default: {url}/ws), e.g. the server's lean
    /// listener `ws://127.0.0.1:8081/ws` (127.0.0.0/8 only).
    #[arg(long)]
    pub ws_url: Option<String>,
}

impl TargetArgs {
    fn target(&self) -> Result<Target, Error> {
        let target = Target::new(&self.url, &self.app)?;
        match &self.ws_url {
            Some(ws) => target.with_ws_url(ws),
            None => Ok(target),
        }
    }

    fn encoding(&self) -> Encoding {
        if self.msgpack {
            Encoding::MsgPack
        } else {
            Encoding::Json
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register users {prefix}0..{prefix}N-1 (idempotent).
    Setup(SetupArgs),
    /// 1:1 throughput and latency between sender/receiver pairs.
    Direct(DirectArgs),
    /// Server memory per idle authenticated connection.
    Connect(ConnectArgs),
    /// Group fan-out throughput and latency (after `setup --group-members K`).
    Group(GroupArgs),
    /// Catching up by sync: receivers offline while senders send, then sync.
    Offline(OfflineArgs),
    /// Chatroom fan-out to present members (after `setup --chatroom-members K`).
    Chatroom(ChatroomArgs),
    /// REST calls (message sends and user calls) at a fixed rate.
    Rest(RestArgs),
    /// A blend at once: idle sockets, 1:1 pairs and a group, each at a rate.
    Mixed(MixedArgs),
    /// `history` pages or `conversations` lists read from the server's copy.
    Roaming(RoamingArgs),
    /// Post-send delivery throughput: events queued while a local
    /// receiver refuses, then drained to it (after `setup --users N`).
    HookDrain(HookDrainArgs),
    /// `direct` plain and then with a pre- or post-send rule to a local
    /// receiver, side by side.
    HookDirect(HookDirectArgs),
}

#[derive(Debug, Args)]
pub struct HookDrainArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// Users {prefix}0.. the events' messages go to (they must exist).
    #[arg(long, default_value_t = 600)]
    pub users: u32,
    #[arg(long, default_value_t = 200_000)]
    pub events: u64,
    /// Most events one callback request carries.
    #[arg(long, default_value_t = 100)]
    pub batch_max: u32,
    /// REST sends in flight while filling.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Longest wait for the queue to fill, and to drain, seconds.
    #[arg(long, default_value_t = 120.0)]
    pub timeout: f64,
}

impl HookDrainArgs {
    pub fn options(&self) -> Result<crate::hooks::DrainOptions, Error> {
        Ok(crate::hooks::DrainOptions {
            target: self.target.target()?,
            credentials: self.credentials.credentials()?,
            prefix: self.target.prefix.clone(),
            users: self.users,
            events: self.events,
            batch_max: self.batch_max,
            concurrency: self.concurrency,
            timeout: secs("timeout", self.timeout)?,
        })
    }
}

#[derive(Debug, Args)]
pub struct HookDirectArgs {
    #[command(flatten)]
    pub direct: DirectArgs,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// The rule of the second run.
    #[arg(long, value_enum)]
    pub rule: crate::hooks::RuleUnderTest,
    /// Post-send: most events one callback request carries.
    #[arg(long, default_value_t = 100)]
    pub batch_max: u32,
    /// Seconds of a first, unreported `direct` run (warms the server up).
    #[arg(long, default_value_t = 5.0)]
    pub warmup: f64,
}

impl HookDirectArgs {
    pub fn options(&self) -> Result<crate::hooks::HookDirectOptions, Error> {
        Ok(crate::hooks::HookDirectOptions {
            direct: self.direct.options()?,
            credentials: self.credentials.credentials()?,
            rule: self.rule,
            batch_max: self.batch_max,
            warmup: secs("warmup", self.warmup)?,
        })
    }
}

#[derive(Debug, Args)]
pub struct RoamingArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// What to read: `history` (one conversation of --messages) or
    /// `conversations` (one user with --peers conversations).
    #[arg(long, value_enum)]
    pub read: crate::roaming::Read,
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
    /// Conversations of {prefix}0 (users {prefix}1..=P must exist).
    #[arg(long, default_value_t = 1000)]
    pub peers: u32,
    /// Fill sends in flight at once.
    #[arg(long, default_value_t = 256)]
    pub window: usize,
    /// Messages (or conversations) per page asked.
    #[arg(long, default_value_t = 50)]
    pub page: usize,
    #[arg(long, default_value_t = 2000)]
    pub queries: u64,
}

impl RoamingArgs {
    pub fn options(&self) -> Result<crate::roaming::RoamingOptions, Error> {
        if self.page == 0 || self.queries == 0 {
            return Err(Error::Usage("--page and --queries must be positive".into()));
        }
        Ok(crate::roaming::RoamingOptions {
            target: self.target.target()?,
            prefix: self.target.prefix.clone(),
            read: self.read,
            messages: self.messages.max(1),
            peers: self.peers,
            window: self.window,
            page: self.page,
            queries: self.queries,
            enc: self.target.encoding(),
        })
    }
}

#[derive(Debug, Args)]
pub struct ChatroomArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// The room id `setup --chatroom-members K` printed.
    #[arg(long)]
    pub room: String,
    /// K: members, all connected and joined (users {prefix}0..K-1).
    #[arg(long, default_value_t = 100)]
    pub members: u32,
    /// S: members that send (the first S).
    #[arg(long, default_value_t = 1)]
    pub senders: u32,
    /// Priority of every message: high, normal or low.
    #[arg(long, default_value = "normal", value_parser = ["high", "normal", "low"])]
    pub priority: String,
    #[command(flatten)]
    pub send: SendPhaseArgs,
}

#[derive(Debug, Args)]
pub struct RestArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// U: calls use users {prefix}0..U-1 (registered by `setup`).
    #[arg(long, default_value_t = 100)]
    pub users: u32,
    /// Calls per second, on a fixed schedule.
    #[arg(long)]
    pub rate: f64,
    /// Longest call phase, seconds.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Most calls in all (default: until --duration).
    #[arg(long)]
    pub calls: Option<u64>,
    /// Share of the calls that send a 1:1 message (0..=1); the others are
    /// user calls (get user, status, offline count) in turn.
    #[arg(long, default_value_t = 0.5)]
    pub send_share: f64,
    /// Bytes of text in each message body.
    #[arg(long, default_value_t = 16)]
    pub size: usize,
    /// Longest wait for one answer, seconds.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Most calls in flight (the schedule waits for room; counted as latency).
    #[arg(long, default_value_t = 256)]
    pub max_in_flight: usize,
}

impl RestArgs {
    pub fn options(&self) -> Result<RestOptions, Error> {
        Ok(RestOptions {
            target: self.target.target()?,
            credentials: self.credentials.credentials()?,
            prefix: self.target.prefix.clone(),
            users: self.users,
            rate: self.rate,
            duration: secs("duration", self.duration)?,
            calls: self.calls,
            send_share: self.send_share,
            payload_bytes: self.size,
            timeout: secs("timeout", self.timeout)?,
            max_in_flight: self.max_in_flight,
        })
    }
}

#[derive(Debug, Args)]
pub struct MixedArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// N: idle authenticated sockets, users {prefix}K+2P.. .
    #[arg(long, default_value_t = 0)]
    pub idle: u32,
    /// Idle logins started per second.
    #[arg(long, default_value_t = 500.0)]
    pub idle_rate: f64,
    /// Source addresses 127.0.0.2.. to spread idle sockets over (0: the OS picks).
    #[arg(long, default_value_t = 200)]
    pub source_ips: u8,
    /// P: 1:1 pairs, users {prefix}K..K+2P-1.
    #[arg(long, default_value_t = 0)]
    pub pairs: u32,
    /// Aggregate 1:1 msg/s.
    #[arg(long, default_value_t = 100.0)]
    pub direct_rate: f64,
    /// K: members of the group {prefix}-gK (setup --group-members K), all connected.
    #[arg(long, default_value_t = 0)]
    pub members: u32,
    /// S: members that send.
    #[arg(long, default_value_t = 1)]
    pub senders: u32,
    /// Aggregate group msg/s sent (deliveries are K-1 times more).
    #[arg(long, default_value_t = 10.0)]
    pub group_rate: f64,
    #[command(flatten)]
    pub phase: PhaseArgs,
}

impl MixedArgs {
    pub fn options(&self) -> Result<MixedOptions, Error> {
        Ok(MixedOptions {
            target: self.target.target()?,
            prefix: self.target.prefix.clone(),
            idle: self.idle,
            idle_rate: self.idle_rate,
            source_ips: self.source_ips,
            pairs: self.pairs,
            direct_rate: self.direct_rate,
            members: self.members,
            senders: self.senders,
            group_rate: self.group_rate,
            duration: secs("duration", self.phase.duration)?,
            drain: secs("drain", self.phase.drain)?,
            payload_bytes: self.phase.size,
            encoding: self.target.encoding(),
            login_concurrency: self.phase.login_concurrency,
        })
    }
}

#[derive(Debug, Args)]
pub struct OfflineArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[arg(long, default_value_t = 100)]
    pub pairs: u32,
    /// N: messages each sender sends while its receiver is offline.
    #[arg(long, default_value_t = 100)]
    pub messages: u64,
    /// Sends in flight per sender.
    #[arg(long, default_value_t = 16)]
    pub window: usize,
    /// Longest send phase, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub duration: f64,
    /// Longest catch-up phase, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub drain: f64,
    /// Messages per sync page (at most 500).
    #[arg(long, default_value_t = 500)]
    pub limit: u32,
    /// Bytes of text in each message body.
    #[arg(long, default_value_t = 16)]
    pub size: usize,
    /// Logins in flight while connecting.
    #[arg(long, default_value_t = 32)]
    pub login_concurrency: usize,
}

impl OfflineArgs {
    pub fn options(&self) -> Result<OfflineOptions, Error> {
        Ok(OfflineOptions {
            target: self.target.target()?,
            prefix: self.target.prefix.clone(),
            pairs: self.pairs,
            per_sender: self.messages,
            window: self.window,
            send_timeout: secs("duration", self.duration)?,
            drain: secs("drain", self.drain)?,
            limit: self.limit,
            payload_bytes: self.size,
            encoding: self.target.encoding(),
            login_concurrency: self.login_concurrency,
        })
    }
}

/// The app's client credentials, given or read from the server's data dir.
#[derive(Debug, Args)]
pub struct CredentialArgs {
    #[arg(long, required_unless_present = "data_dir", requires = "client_secret")]
    pub client_id: Option<String>,
    #[arg(long, requires = "client_id")]
    pub client_secret: Option<String>,
    /// Read client credentials from DIR/demo-app.json.
    #[arg(long, conflicts_with = "client_id")]
    pub data_dir: Option<PathBuf>,
}

impl CredentialArgs {
    fn credentials(&self) -> Result<Credentials, Error> {
        match (&self.client_id, &self.client_secret, &self.data_dir) {
            (Some(id), Some(secret), _) => Ok(Credentials {
                client_id: id.clone(),
                client_secret: secret.clone(),
            }),
            (_, _, Some(dir)) => Credentials::from_data_dir(dir),
            _ => Err(Error::Usage(
                "give --client-id and --client-secret, or --data-dir".into(),
            )),
        }
    }
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    #[arg(long)]
    pub users: u32,
    /// Registration requests (60 users each) in flight.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Also create the group `{prefix}-g{K}` of users 0..K-1 (idempotent).
    #[arg(long)]
    pub group_members: Option<u32>,
    /// Also find or create the chatroom `{prefix}-r{K}` for K members and
    /// print its id.
    #[arg(long)]
    pub chatroom_members: Option<u32>,
    /// Also turn the app's friend check on and make the first P `direct`
    /// pairs friends (users 2i and 2i+1).
    #[arg(long)]
    pub friend_pairs: Option<u32>,
    /// With --friend-pairs: list N sensitive words and set the filter to
    /// `replace`.
    #[arg(long, default_value_t = 0, requires = "friend_pairs")]
    pub words: u32,
    /// With --friend-pairs: each receiver blocks B users outside the pairs
    /// (--users must be at least 2P+B).
    #[arg(long, default_value_t = 0, requires = "friend_pairs")]
    pub blocks: u32,
}

/// How the senders of `direct` and `group` pace a bounded send phase.
#[derive(Debug, Args)]
pub struct SendPhaseArgs {
    /// Open loop: aggregate msg/s on a fixed schedule.
    #[arg(
        long,
        required_unless_present = "closed_loop",
        conflicts_with = "closed_loop"
    )]
    pub rate: Option<f64>,
    /// Closed loop: each sender keeps --window sends in flight.
    #[arg(long, requires = "window")]
    pub closed_loop: bool,
    #[arg(long)]
    pub window: Option<usize>,
    /// Most messages in all (default: until --duration).
    #[arg(long)]
    pub messages: Option<u64>,
    #[command(flatten)]
    pub phase: PhaseArgs,
}

/// A send phase's length, drain, payload and login concurrency (`direct`,
/// `group`, `mixed`).
#[derive(Debug, Args)]
pub struct PhaseArgs {
    /// Longest send phase, seconds.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Longest wait for the last acks and deliveries, seconds.
    #[arg(long, default_value_t = 5.0)]
    pub drain: f64,
    /// Bytes of text in each message body.
    #[arg(long, default_value_t = 16)]
    pub size: usize,
    /// Logins in flight while connecting.
    #[arg(long, default_value_t = 32)]
    pub login_concurrency: usize,
}

impl PhaseArgs {
    fn phase(
        &self,
        pacing: Pacing,
        messages: Option<u64>,
        encoding: Encoding,
    ) -> Result<SendPhase, Error> {
        Ok(SendPhase {
            pacing,
            duration: secs("duration", self.duration)?,
            messages,
            drain: secs("drain", self.drain)?,
            payload_bytes: self.size,
            encoding,
            login_concurrency: self.login_concurrency,
        })
    }
}

#[derive(Debug, Args)]
pub struct GroupArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// K: group members, all connected (the group `{prefix}-g{K}`).
    #[arg(long, default_value_t = 100)]
    pub members: u32,
    /// S: members that send (the first S).
    #[arg(long, default_value_t = 1)]
    pub senders: u32,
    #[command(flatten)]
    pub send: SendPhaseArgs,
}

#[derive(Debug, Args)]
pub struct DirectArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[arg(long, default_value_t = 100)]
    pub pairs: u32,
    /// Receivers answer every message with `delivered` and `read`.
    #[arg(long)]
    pub receipts: bool,
    /// The first M pairs speak msync (the Web SDK's protocol on
    /// `/websocket`, tokens from `POST /token`) instead of `/ws`.
    #[arg(long, default_value_t = 0)]
    pub msync_pairs: u32,
    #[command(flatten)]
    pub send: SendPhaseArgs,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[arg(long)]
    pub sockets: u32,
    /// Distinct users (default: one per socket).
    #[arg(long)]
    pub users: Option<u32>,
    /// Connects started per second.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Seconds to hold the sockets once all are up.
    #[arg(long, default_value_t = 10.0)]
    pub hold: f64,
    /// Seconds to wait before each RSS reading after a change.
    #[arg(long, default_value_t = 2.0)]
    pub settle: f64,
    /// Source addresses 127.0.0.2.. to spread sockets over (0: the OS picks).
    #[arg(long, default_value_t = 200)]
    pub source_ips: u8,
    /// The server's pid (RSS from /proc/PID/status).
    #[arg(long, conflicts_with = "metrics_url")]
    pub pid: Option<u32>,
    /// The server's /metrics URL (default: {url}/metrics).
    #[arg(long)]
    pub metrics_url: Option<String>,
    /// Idle msync connections (`/websocket`, the Web SDK's protocol; a
    /// token from `POST /token` each) instead of `/ws` ones. Keep
    /// `--rate` under the app's token budget (300/s by default).
    #[arg(long)]
    pub msync: bool,
}

fn secs(what: &str, s: f64) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(s)
        .map_err(|_| Error::Usage(format!("--{what} must be a non-negative number of seconds")))
}

impl SetupArgs {
    pub fn options(&self) -> Result<SetupOptions, Error> {
        Ok(SetupOptions {
            target: self.target.target()?,
            credentials: self.credentials.credentials()?,
            users: self.users,
            prefix: self.target.prefix.clone(),
            concurrency: self.concurrency,
        })
    }
}

impl DirectArgs {
    pub fn options(&self) -> Result<DirectOptions, Error> {
        Ok(DirectOptions {
            target: self.target.target()?,
            prefix: self.target.prefix.clone(),
            first_user: 0,
            pairs: self.pairs,
            send: self.send.phase(self.target.encoding())?,
            receipts: self.receipts,
            msync_pairs: self.msync_pairs,
        })
    }
}

impl SendPhaseArgs {
    fn phase(&self, encoding: Encoding) -> Result<SendPhase, Error> {
        let pacing = match (self.rate, self.window) {
            (Some(rate), _) => Pacing::Open { rate },
            (None, Some(window)) if self.closed_loop => Pacing::Closed { window },
            _ => {
                return Err(Error::Usage(
                    "give --rate R, or --closed-loop --window W".into(),
                ))
            }
        };
        self.phase.phase(pacing, self.messages, encoding)
    }
}

impl ChatroomArgs {
    pub fn options(&self) -> Result<GroupOptions, Error> {
        let target = self.target.target()?;
        let priority = match self.priority.as_str() {
            "high" => "high",
            "low" => "low",
            _ => "normal",
        };
        Ok(GroupOptions {
            conversation: Conversation::Chatroom {
                id: self.room.clone(),
                priority,
                metrics_url: format!("{}/metrics", target.http_base),
            },
            target,
            prefix: self.target.prefix.clone(),
            members: self.members,
            senders: self.senders,
            send: self.send.phase(self.target.encoding())?,
        })
    }
}

impl GroupArgs {
    pub fn options(&self) -> Result<GroupOptions, Error> {
        Ok(GroupOptions {
            conversation: Conversation::Group,
            target: self.target.target()?,
            prefix: self.target.prefix.clone(),
            members: self.members,
            senders: self.senders,
            send: self.send.phase(self.target.encoding())?,
        })
    }
}

impl ConnectArgs {
    pub fn options(&self) -> Result<ConnectOptions, Error> {
        let target = self.target.target()?;
        let rss = match (self.pid, &self.metrics_url) {
            (Some(pid), _) => RssSource::Pid(pid),
            (None, Some(url)) => RssSource::Metrics(url.clone()),
            (None, None) => RssSource::Metrics(format!("{}/metrics", target.http_base)),
        }
        .checked()?;
        Ok(ConnectOptions {
            prefix: self.target.prefix.clone(),
            sockets: self.sockets,
            users: self.users.unwrap_or(self.sockets),
            rate: self.rate,
            hold: secs("hold", self.hold)?,
            settle: secs("settle", self.settle)?,
            source_ips: self.source_ips,
            rss,
            encoding: self.target.encoding(),
            msync: self.msync,
            target,
        })
    }
}
