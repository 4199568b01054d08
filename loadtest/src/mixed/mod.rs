//! Scenario `mixed`: a realistic blend, all at once for one duration.
//! N idle authenticated sockets (as `connect` opens them) stay up while P
//! 1:1 pairs send at an aggregate rate (as `direct`) and S of the K members
//! of a group send at a rate (as `group`). The parts use disjoint users:
//! the group is `{prefix}0..K-1` (`setup --group-members K`), the pairs
//! `{prefix}K..K+2P-1`, the idle sockets `{prefix}K+2P..K+2P+N-1`, so
//! `setup --users K+2P+N --group-members K` prepares a run. Each part
//! reports its own figures; the idle part how many sockets it still held
//! when the send phase and drain were over.
//!
//! - [`report`]: the parts' reports side by side, table and JSON.

pub mod report;

use crate::connect::idle::{Idle, IdlePlan};
use crate::direct::{self, DirectOptions, Pacing, SendPhase};
use crate::group::{self, Conversation, GroupOptions};
use crate::progress::Live;
use crate::target::Target;
use crate::wire::Encoding;
use crate::Error;
use report::{IdleReport, MixedReport};
use std::sync::Arc;
use std::time::Duration;

/// What `mixed` is to do.
#[derive(Debug, Clone)]
pub struct MixedOptions {
    pub target: Target,
    pub prefix: String,
    /// N: idle authenticated sockets.
    pub idle: u32,
    /// Idle logins started per second.
    pub idle_rate: f64,
    /// Source addresses 127.0.0.2.. for the idle sockets (0: the OS picks).
    pub source_ips: u8,
    /// P: 1:1 pairs (0: no 1:1 part).
    pub pairs: u32,
    /// Aggregate 1:1 msg/s.
    pub direct_rate: f64,
    /// K: group members, all connected (0: no group part).
    pub members: u32,
    /// S: members that send.
    pub senders: u32,
    /// Aggregate group msg/s (sent, not delivered).
    pub group_rate: f64,
    pub duration: Duration,
    pub drain: Duration,
    pub payload_bytes: usize,
    pub encoding: Encoding,
    pub login_concurrency: usize,
}

impl MixedOptions {
    /// The users a run needs: `setup --users` at least this.
    pub fn users_needed(&self) -> u32 {
        self.members + 2 * self.pairs + self.idle
    }

    /// A send phase at `rate` msg/s for the run's duration.
    fn phase(&self, rate: f64) -> SendPhase {
        SendPhase {
            pacing: Pacing::Open { rate },
            duration: self.duration,
            messages: None,
            drain: self.drain,
            payload_bytes: self.payload_bytes,
            encoding: self.encoding,
            login_concurrency: self.login_concurrency,
        }
    }

    /// The 1:1 part as `direct` options, if there is one.
    pub fn direct(&self) -> Option<DirectOptions> {
        (self.pairs > 0).then(|| DirectOptions {
            target: self.target.clone(),
            prefix: self.prefix.clone(),
            first_user: self.members,
            pairs: self.pairs,
            send: self.phase(self.direct_rate),
            receipts: false,
            msync_pairs: 0,
        })
    }

    /// The group part as `group` options, if there is one.
    pub fn group(&self) -> Option<GroupOptions> {
        (self.members > 0).then(|| GroupOptions {
            conversation: Conversation::Group,
            target: self.target.clone(),
            prefix: self.prefix.clone(),
            members: self.members,
            senders: self.senders,
            send: self.phase(self.group_rate),
        })
    }

    fn check(&self) -> Result<(), Error> {
        if self.idle == 0 && self.pairs == 0 && self.members == 0 {
            return Err(Error::Usage(
                "give at least one of --idle, --pairs, --members".into(),
            ));
        }
        if self.idle > crate::connect::MAX_SOCKETS
            || (self.idle > 0 && !(self.idle_rate.is_finite() && self.idle_rate > 0.0))
        {
            return Err(Error::Usage(format!(
                "--idle must be at most {} and --idle-rate positive",
                crate::connect::MAX_SOCKETS
            )));
        }
        Ok(())
    }
}

/// Runs the scenario. Fails only if the senders' and receivers' sockets
/// cannot be set up (failed idle logins are counted, not fatal).
pub async fn run(opts: &MixedOptions, live: &Arc<Live>) -> Result<MixedReport, Error> {
    opts.check()?;
    let (dopts, gopts) = (opts.direct(), opts.group());
    if opts.idle > 0 {
        // One socket per user the run needs, plus room for the rest.
        let limit = crate::connect::fdlimit::raise_nofile(u64::from(opts.users_needed()) + 1024)?;
        if limit < u64::from(opts.users_needed()) + 64 {
            return Err(Error::Usage(format!(
                "open-file limit is {limit}, too low for {} sockets",
                opts.users_needed()
            )));
        }
    }
    let mut idle = Idle::start(
        IdlePlan {
            target: opts.target.clone(),
            prefix: opts.prefix.clone(),
            sockets: opts.idle,
            first_user: opts.members + 2 * opts.pairs,
            users: opts.idle.max(1),
            rate: if opts.idle > 0 { opts.idle_rate } else { 1.0 },
            source_ips: opts.source_ips,
            encoding: opts.encoding,
            msync: false,
        },
        live.clone(),
    );
    let logins = idle.logged_in().await;
    let dsock = match &dopts {
        Some(d) => Some(direct::connect(d, live).await?),
        None => None,
    };
    let gsock = match &gopts {
        Some(g) => Some(group::connect(g, live).await?),
        None => None,
    };
    let (d, g) = direct::sending(live, opts.duration, |base| async move {
        let direct_part = async {
            match (&dopts, dsock) {
                (Some(d), Some(s)) => direct::drive(d, s, base, live).await.map(Some),
                _ => Ok(None),
            }
        };
        let group_part = async {
            match (&gopts, gsock) {
                (Some(g), Some(s)) => group::drive(g, s, base, live).await.map(Some),
                _ => Ok(None),
            }
        };
        Ok(tokio::join!(direct_part, group_part))
    })
    .await?;
    let closed = idle.closed();
    idle.close(Duration::from_secs(10)).await?;
    Ok(MixedReport {
        duration_secs: opts.duration.as_secs_f64(),
        users_needed: opts.users_needed(),
        idle: IdleReport {
            sockets: opts.idle,
            closed_during_run: closed,
            held: logins.connected.saturating_sub(closed),
            logins,
        },
        direct: d?,
        group: g?,
    })
}
