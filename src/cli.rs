//! Command-line interface: `imcloud serve` and `imcloud app create`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "imcloud",
    version,
    about = "Self-hosted instant-messaging cloud"
)]
pub struct Cli {
    /// Log lines as text, or one JSON object each.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "IMCLOUD_LOG_FORMAT",
        default_value_t
    )]
    pub log_format: crate::logging::LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (defaults: 127.0.0.1:8080, ./data).
    Serve(ServeArgs),
    /// Manage apps (with the server stopped).
    #[command(subcommand)]
    App(AppCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long)]
    pub listen: Option<String>,
    /// Data directory.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Config file (TOML, same keys as config/default.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Create an app ORG#APP and print its credentials as one JSON line.
    Create {
        /// The app key, `org#app`.
        appkey: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}
