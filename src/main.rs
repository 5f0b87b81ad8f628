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
    if !matches!(cli.command, None | Some(Command::Tui) | Some(Command::Demo { .. }) | Some(Command::Serve { .. })) {
        // Output commands behave like other Unix tools when piped into
        // `head`: end quietly on a closed pipe instead of reporting EPIPE.
        // SAFETY: setting a signal disposition to its default has no preconditions.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match &cli.command {
        None | Some(Command::Tui) => orderscope::tui::run_on_store(cli).map(|_| true),
        Some(Command::Demo { shop: true }) => orderscope::demo::serve_shop().map(|_| true),
        Some(Command::Demo { shop: false }) => orderscope::tui::run_demo(cli).map(|_| true),
        Some(Command::Orders { json }) => cli::orders(cli, *json).map(|_| true),
        Some(Command::Show { order_id, live, json }) => cli::show(cli, order_id, *live, *json).map(|_| true),
        Some(Command::Sync { since, follow, interval }) => orderscope::sync::run(cli, *since, *follow, *interval),
        Some(Command::Diff { order_id, json }) => cli::diff(cli, order_id, *json).map(|_| true),
        Some(Command::Timeline { order_id, json }) => cli::timeline(cli, order_id, *json).map(|_| true),
        Some(Command::Report { order_id, compare }) => cli::report(cli, order_id, compare.as_deref()).map(|_| true),
        Some(Command::Messages { reprocess: true, .. }) => cli::reprocess(cli),
        Some(Command::Messages { order_id, json, .. }) => cli::messages(cli, order_id.as_deref(), *json).map(|_| true),
        Some(Command::Serve { listen, forward, log }) => {
            orderscope::receiver::serve::run(cli, listen, forward.as_deref(), log.as_deref()).map(|_| true)
        }
        Some(Command::Import { paths }) => cli::import(cli, paths),
        Some(Command::Compare { order_a, order_b, json }) => cli::compare(cli, order_a, order_b, *json).map(|_| true),
        Some(Command::Note { order_id, text, at, event, kind }) => {
            cli::note(cli, order_id, text, *at, event.as_deref(), *kind).map(|_| true)
        }
    }
}
