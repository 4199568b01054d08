//! The `imcloud` binary: parses the CLI, loads config, sets up tracing and
//! runs the chosen command. Every failure is one readable line and exit 1.

use clap::Parser;
use imcloud::cli::{AppCommand, Cli, Command};
use imcloud::config::{CliOverrides, Config};
use std::net::TcpListener;
use std::process::ExitCode;

/// mimalloc: the server allocates many small short-lived buffers per message
/// (glibc malloc took ~20% of CPU in profiles) and, unlike glibc's per-thread
/// arenas, it returns memory after bursts of password hashing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One-shot commands stay quiet so their output is the one line they print.
    let ours = match cli.command {
        Command::Serve(_) => "info",
        Command::App(_) => "warn",
    };
    imcloud::logging::init(ours, cli.log_format);
    let result = match cli.command {
        Command::Serve(args) => {
            let overrides = CliOverrides {
                listen: args.listen,
                data_dir: args.data_dir,
            };
            Config::load(args.config.as_deref(), &overrides).and_then(serve)
        }
        Command::App(AppCommand::Create {
            appkey,
            data_dir,
            config,
        }) => {
            let overrides = CliOverrides {
                listen: None,
                data_dir,
            };
            Config::load(config.as_deref(), &overrides)
                .and_then(|c| imcloud::apps::create_offline(c, &appkey))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(line) => {
            eprintln!("imcloud: {line}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> Result<(), String> {
    let listener = TcpListener::bind(&config.server.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", config.server.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    actix_web::rt::System::new().block_on(async move {
        let running = imcloud::server::start_with_clock(listener, config, clock())
            .await
            .map_err(|e| e.to_string())?;
        if let Some(demo) = &running.demo_app {
            println!("created demo app: {demo}");
        }
        tracing::info!(%addr, "imcloud listening");
        println!("imcloud listening on http://{addr}");
        if let Some(ws) = running.ws_addr {
            tracing::info!(%ws, "websocket listener");
            println!("websocket listener on ws://{ws}/ws");
        }
        running
            .serve_until_signal()
            .await
            .map_err(|e| e.to_string())
    })
}

/// The system clock; builds with fault injection (the test suite's) read
/// `TEST_CLOCK_AHEAD_SECS` to run ahead of it, so a test of the
/// real binary can make its stored messages days old.
fn clock() -> imcloud_shards::Clock {
    #[cfg(feature = "fault-injection")]
    if let Some(secs) = std::env::var("TEST_CLOCK_AHEAD_SECS")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
    {
        return imcloud_shards::Clock::system_ahead(secs.saturating_mul(1000));
    }
    imcloud_shards::Clock::system()
}
