//! Helpers of the end-to-end tests: everything comes from the shared test
//! kit (`imcloud-testkit`); this module only knows where the binary is.

#![allow(unused_imports)]

pub use imcloud_testkit::*;

/// The real `imcloud` binary on `config_file`, started in a child process.
pub fn start_binary(data_dir: &std::path::Path, config_file: &std::path::Path) -> BinaryServer {
    BinaryServer::start(env!("CARGO_BIN_EXE_imcloud"), data_dir, config_file)
}
