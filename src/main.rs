use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use orderscope::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            // stderr may be gone (a closed SSH session); never panic over it.
            let _ = writeln!(std::io::stderr(), "orderscope: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<bool> {
    if !matches!(cli.command, None | Some(Command::Tui) | Some(Command::Demo) | Some(Command::Serve { .. })) {
        // Output commands behave like other Unix tools when piped into
        // `head`: end quietly on a closed pipe instead of reporting EPIPE.
        // SAFETY: setting a signal disposition to its default has no preconditions.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match &cli.command {
        None | Some(Command::Tui) => orderscope::tui::run_on_store(cli).map(|_| true),
        Some(Command::Demo) => orderscope::tui::run_demo(cli).map(|_| true),
        Some(Command::Orders { json }) => cli::orders(cli, *json).map(|_| true),
        Some(Command::Show { order_id, live, json }) => cli::show(cli, order_id, *live, *json).map(|_| true),
        Some(Command::Sync { since, follow, interval }) => orderscope::sync::run(cli, *since, *follow, *interval),
        Some(Command::Diff { order_id, json }) => cli::diff(cli, order_id, *json).map(|_| true),
        Some(Command::Timeline { order_id, json }) => cli::timeline(cli, order_id, *json).map(|_| true),
        Some(Command::Report { order_id }) => cli::report(cli, order_id).map(|_| true),
        Some(Command::Messages { reprocess: true, .. }) => cli::reprocess(cli),
        Some(Command::Messages { order_id, json, .. }) => cli::messages(cli, order_id.as_deref(), *json).map(|_| true),
        Some(Command::Serve { listen, forward, log, header_timeout, body_timeout, idle_timeout, max_connections }) => {
            let secs = |s: &i64| std::time::Duration::from_secs((*s).max(1) as u64);
            let limits = orderscope::receiver::conn::Limits {
                header_timeout: secs(header_timeout),
                body_timeout: secs(body_timeout),
                idle_timeout: secs(idle_timeout),
                max_connections: *max_connections as usize,
            };
            let opts = orderscope::receiver::serve::Options {
                listen,
                forward: forward.as_deref(),
                log: log.as_deref(),
                limits,
            };
            orderscope::receiver::serve::run(cli, opts).map(|_| true)
        }
        Some(Command::Import { paths }) => cli::import(cli, paths),
    }
}
