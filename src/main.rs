//! The `foureyes` binary: parses the command line and turns the outcome into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(foureyes::cli::main())
}
