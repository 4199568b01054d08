//! `imcloud-loadtest`: parses the command line, runs one scenario on a
//! runtime with `--threads` workers, prints its report (table or JSON).

use clap::Parser;
use imcloud_loadtest::cli::{Cli, Command};
use imcloud_loadtest::plot::{self, Plot};
use imcloud_loadtest::progress::{Bar, Live};
use imcloud_loadtest::{
    chatroom, compare, connect, direct, governance, group, mixed, offline, rest_load, setup, Error,
};
use serde::Serialize;
use std::sync::Arc;

fn print<T: Serialize>(
    json: bool,
    report: &T,
    table: impl FnOnce(&T) -> String,
) -> Result<(), Error> {
    if json {
        println!(
            "{}",
            serde_json::to_string(report).map_err(|e| Error::Usage(e.to_string()))?
        );
    } else {
        print!("{}", table(report));
    }
    Ok(())
}

/// `setup`'s report: the users, and the group when one was asked for.
#[derive(Serialize)]
struct SetupOut {
    #[serde(flatten)]
    users: setup::SetupReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<group::setup::GroupSetupReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chatroom: Option<chatroom::setup::RoomSetupReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    governance: Option<governance::GovernanceReport>,
}

/// Prints the report, and draws it when `--plot` asks.
fn finish<T: Serialize + Plot>(
    cli: &Cli,
    report: &T,
    table: impl FnOnce(&T) -> String,
) -> Result<(), Error> {
    if let Some(path) = &cli.plot {
        plot::write_svg(path, report)?;
    }
    print(cli.json, report, table)
}

async fn run(cli: Cli) -> Result<(), Error> {
    if let Some([a, b]) = cli.compare.as_deref() {
        print!("{}", compare::files(a, b)?);
        return Ok(());
    }
    let Some(command) = &cli.command else {
        return Err(Error::Usage(
            "give a scenario (see --help), or --compare A.json B.json".into(),
        ));
    };
    if cli.plot.is_some() && matches!(command, Command::Setup(_) | Command::Connect(_)) {
        return Err(Error::Usage(
            "--plot needs a scenario with per-second series (direct, group, offline, rest, mixed)"
                .into(),
        ));
    }
    let live = Live::new();
    let bar = Bar::start(live.clone(), cli.json);
    let result = scenario(&cli, command, &live).await;
    bar.finish();
    result
}

async fn scenario(cli: &Cli, command: &Command, live: &Arc<Live>) -> Result<(), Error> {
    match command {
        Command::Setup(a) => {
            let opts = a.options()?;
            let r = setup::run(&opts).await?;
            let g = match a.group_members {
                Some(k) => Some(
                    group::setup::ensure(&opts.target, &opts.credentials, &opts.prefix, k).await?,
                ),
                None => None,
            };
            let room = match a.chatroom_members {
                Some(k) => Some(
                    chatroom::setup::ensure(&opts.target, &opts.credentials, &opts.prefix, k)
                        .await?,
                ),
                None => None,
            };
            let gov = match a.friend_pairs {
                Some(pairs) => {
                    let g = governance::GovernanceOptions {
                        pairs,
                        words: a.words,
                        blocks: a.blocks,
                    };
                    Some(
                        governance::ensure(&opts.target, &opts.credentials, &opts.prefix, &g)
                            .await?,
                    )
                }
                None => None,
            };
            let out = SetupOut {
                users: r,
                group: g,
                chatroom: room,
                governance: gov,
            };
            print(
                cli.json,
                &out,
                |SetupOut {
                     users: r,
                     group: g,
                     chatroom,
                     governance,
                 }| {
                    let mut out = format!(
                        "setup: {} users requested: {} created, {} existed, {} failed in {:.1} s\n",
                        r.requested, r.created, r.existing, r.failed, r.secs
                    );
                    if let Some(g) = g {
                        out.push_str(&format!(
                            "setup: group {} {}, {} members added, {} members in all\n",
                            g.group,
                            if g.created { "created" } else { "existed" },
                            g.added,
                            g.members
                        ));
                    }
                    if let Some(gov) = governance {
                        out.push_str(&format!(
                            "setup: friend check on, {} pairs friends, {} words added (filter replace), {} blocks per receiver\n",
                            gov.friend_pairs, gov.words_added, gov.blocks_per_receiver
                        ));
                    }
                    if let Some(c) = chatroom {
                        out.push_str(&format!(
                            "setup: chatroom {} {}: id {}\n",
                            c.name,
                            if c.created { "created" } else { "existed" },
                            c.id
                        ));
                    }
                    out
                },
            )
        }
        Command::Direct(a) => {
            let r = direct::run(&a.options()?, live).await?;
            finish(cli, &r, |r| r.table())
        }
        Command::Group(a) => {
            let r = group::run(&a.options()?, live).await?;
            finish(cli, &r, |r| r.table())
        }
        Command::Chatroom(a) => {
            let r = group::run(&a.options()?, live).await?;
            finish(cli, &r, |r| r.table())
        }
        Command::Offline(a) => {
            let r = offline::run(&a.options()?, live).await?;
            finish(cli, &r, |r| r.table())
        }
        Command::Rest(a) => {
            let r = rest_load::run(&a.options()?, live).await?;
            finish(cli, &r, |r| r.table())
        }
        Command::Mixed(a) => {
            let r = mixed::run(&a.options()?, live).await?;
            finish(cli, &r, |r| r.table())
        }
        Command::Roaming(a) => {
            let r = imcloud_loadtest::roaming::run(&a.options()?).await?;
            print(cli.json, &r, |r| r.table())
        }
        Command::HookDrain(a) => {
            let r = imcloud_loadtest::hooks::drain(&a.options()?).await?;
            print(cli.json, &r, |r| r.table())
        }
        Command::HookDirect(a) => {
            let r = imcloud_loadtest::hooks::direct(&a.options()?, live).await?;
            print(cli.json, &r, |r| r.table())
        }
        Command::Connect(a) => {
            let r = connect::run(&a.options()?, live).await?;
            print(cli.json, &r, |r| r.table())
        }
    }
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.threads.max(1))
        .enable_all()
        .build();
    let result = match runtime {
        Ok(rt) => rt.block_on(run(cli)),
        Err(e) => Err(Error::Io(e)),
    };
    if let Err(e) = result {
        eprintln!("imcloud-loadtest: {e}");
        std::process::exit(1);
    }
}
