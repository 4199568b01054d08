//! `imcloud-loadtest`: parses the command line, runs one scenario on a
//! runtime with `--threads` workers, prints its report (table or JSON).

use clap::Parser;
use imcloud_loadtest::cli::{Cli, Command};
use imcloud_loadtest::{connect, direct, setup, Error};
use serde::Serialize;

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

async fn run(cli: Cli) -> Result<(), Error> {
    match &cli.command {
        Command::Setup(a) => {
            let r = setup::run(&a.options()?).await?;
            print(cli.json, &r, |r| {
                format!(
                    "setup: {} users requested: {} created, {} existed, {} failed in {:.1} s\n",
                    r.requested, r.created, r.existing, r.failed, r.secs
                )
            })
        }
        Command::Direct(a) => {
            let r = direct::run(&a.options()?).await?;
            print(cli.json, &r, |r| r.table())
        }
        Command::Connect(a) => {
            let r = connect::run(&a.options()?).await?;
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
