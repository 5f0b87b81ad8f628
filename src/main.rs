use std::process::ExitCode;

use clap::Parser;
use orderscope::cli::{self, Cli, Command, ConfigCommand, StoreCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            // stderr may be gone (a closed SSH session); never panic over it.
            let _ = orderscope::text::write_text(
                &mut std::io::stderr(),
                &format!("orderscope: {}", orderscope::cli::error_line(&e)),
            );
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
    // Commands that must work whatever the settings say (even a broken config file).
    match &cli.command {
        Some(Command::Completions { shell }) => return cli::completions(*shell).map(|_| true),
        Some(Command::Man { dir }) => return cli::man(dir.as_deref()).map(|_| true),
        Some(Command::Config(ConfigCommand::Init { force })) => return cli::config_init(cli, *force).map(|_| true),
        Some(Command::Store(StoreCommand::Copy { from, to })) => return cli::store_copy(from, to).map(|_| true),
        Some(Command::Doctor { url }) => return orderscope::doctor::run(&cli.flags(), url.as_deref()),
        Some(Command::Demo { shop: true }) => return orderscope::demo::serve_shop().map(|_| true),
        _ => {}
    }
    let s = cli.settings()?;
    match &cli.command {
        None | Some(Command::Tui) => orderscope::tui::run_on_store(&s).map(|_| true),
        Some(Command::Demo { shop: false }) => orderscope::demo::run(&s).map(|_| true),
        Some(Command::Orders { listing }) => cli::orders(&s, listing).map(|_| true),
        Some(Command::Expiring { within, json, jsonl }) => cli::expiring(&s, *within, *json, *jsonl).map(|_| true),
        Some(Command::Show { order_id, live, json }) => cli::show(&s, order_id, *live, *json).map(|_| true),
        Some(Command::Sync { since, follow, interval, yes }) => {
            orderscope::sync::run(&s, *since, *follow, *interval, *yes)
        }
        Some(Command::Diff { order_id, json }) => cli::diff(&s, order_id, *json).map(|_| true),
        Some(Command::Timeline { order_id, json }) => cli::timeline(&s, order_id, *json).map(|_| true),
        Some(Command::Report { order_id, compare }) => cli::report(&s, order_id, compare.as_deref()).map(|_| true),
        Some(Command::Messages { reprocess: true, .. }) => cli::reprocess(&s),
        Some(Command::Messages { order_id, listing, .. }) => {
            cli::messages(&s, order_id.as_deref(), listing).map(|_| true)
        }
        Some(Command::Serve {
            log,
            header_timeout,
            body_timeout,
            idle_timeout,
            write_timeout,
            max_connections,
            ..
        }) => {
            let secs = |s: &i64| std::time::Duration::from_secs((*s).max(1) as u64);
            let limits = orderscope::receiver::conn::Limits {
                header_timeout: secs(header_timeout),
                body_timeout: secs(body_timeout),
                idle_timeout: secs(idle_timeout),
                write_timeout: secs(write_timeout),
                max_connections: *max_connections as usize,
            };
            orderscope::receiver::serve::run(&s, log.as_deref(), limits).map(|_| true)
        }
        Some(Command::Import { paths, fetched_at }) => cli::import(&s, paths, *fetched_at),
        Some(Command::Compare { order_a, order_b, json }) => cli::compare(&s, order_a, order_b, *json).map(|_| true),
        Some(Command::Note { order_id, text, at, event, kind }) => {
            cli::note(&s, order_id, text, *at, event.as_deref(), *kind).map(|_| true)
        }
        Some(
            Command::Completions { .. }
            | Command::Man { .. }
            | Command::Config(_)
            | Command::Store(_)
            | Command::Doctor { .. }
            | Command::Demo { shop: true },
        ) => unreachable!("handled above"),
    }
}
