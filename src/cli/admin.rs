//! Setting up and looking after: import, reprocess, store copy, completions, man pages, config.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::settings::Settings;
use crate::store::{OpenMode, Store};
use crate::{import, text, timefmt};

use super::args::{Cli, Shell};
use super::open_store;

/// `store copy`: progress on stderr, the summary on stdout.
pub fn store_copy(from: &str, to: &str) -> Result<()> {
    use crate::store::{Durability, Location};
    let (from, to) = (Location::parse(from), Location::parse(to));
    if from == to {
        bail!("--from and --to are the same store ({from})");
    }
    let source = Store::open_at(&from, OpenMode::Existing, Durability::Normal)?;
    let mut target = Store::open_at(&to, OpenMode::Create, Durability::Normal)?;
    let mut say = |line: &str| {
        let _ =
            text::write_line(&mut std::io::stderr().lock(), &format!("{} {line}", timefmt::full_tz(timefmt::now())));
    };
    say(&format!("copying {from} into {to}"));
    let copied = crate::store::copy::copy(&source, &mut target, &mut say)?;
    for id in &copied.unreadable {
        say(&format!("version {id} is not a readable order: not copied"));
    }
    text::write_line(&mut std::io::stdout().lock(), &copied.line())?;
    Ok(())
}

pub fn import(s: &Settings, paths: &[PathBuf], fetched_at: Option<i64>) -> Result<bool> {
    let mut store = open_store(s, OpenMode::Create)?;
    let mut total = import::Report::default();
    let now = timefmt::now();
    for p in paths {
        total.merge(import::import_file(&mut store, p, now, fetched_at)?);
    }
    let mut err = std::io::stderr().lock();
    for (src, line, problem) in &total.problems {
        let text = if *line == 0 { format!("{src}: {problem}") } else { format!("{src}:{line}: {problem}") };
        text::write_line(&mut err, &text)?;
    }
    if total.bad > total.problems.len() {
        text::write_line(&mut err, &format!("… and {} more bad lines", total.bad - total.problems.len()))?;
    }
    text::write_line(&mut std::io::stdout().lock(), &total.summary())?;
    Ok(total.bad == 0)
}

pub fn reprocess(s: &Settings) -> Result<bool> {
    let settings = s.receiver()?;
    let mut store = open_store(s, OpenMode::Existing)?;
    let outcome = crate::receiver::reprocess::run(&mut store, &settings)?;
    for still in &outcome.still {
        let ids: Vec<String> = still.first_ids.iter().map(i64::to_string).collect();
        let more =
            if still.count > ids.len() { format!(" and {} more", still.count - ids.len()) } else { String::new() };
        let noun = if still.count == 1 { "message" } else { "messages" };
        text::write_line(
            &mut std::io::stderr().lock(),
            &format!("{noun} {}{more}: still unreadable: {}", ids.join(", "), still.reason),
        )?;
    }
    let elsewhere = match outcome.released_elsewhere {
        0 => String::new(),
        n => format!(" ({n} more released meanwhile by another run)"),
    };
    println!(
        "{} quarantined pushes recovered, {} still quarantined{elsewhere}",
        outcome.released,
        outcome.still_count()
    );
    Ok(outcome.still.is_empty())
}

/// `completions SHELL`: the script on stdout.
pub fn completions(shell: Shell) -> Result<()> {
    use clap::CommandFactory;
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "orderscope", &mut std::io::stdout().lock());
    Ok(())
}

/// `man`: the man page (roff) on stdout, or every command's page in `dir`.
pub fn man(dir: Option<&std::path::Path>) -> Result<()> {
    use clap::CommandFactory;
    match dir {
        Some(dir) => {
            // The I/O error stays the cause: the stderr line reads "...: {cause}".
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create the directory {}", dir.display()))?;
            clap_mangen::generate_to(Cli::command(), dir)
                .with_context(|| format!("cannot write man pages to {}", dir.display()))?;
            text::write_line(&mut std::io::stdout().lock(), &format!("wrote the man pages to {}", dir.display()))?;
        }
        None => clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout().lock())?,
    }
    Ok(())
}

/// `config init`: the commented example, mode 600, at --config,
/// `ORDERSCOPE_CONFIG` or the default path.
pub fn config_init(cli: &Cli, force: bool) -> Result<()> {
    let path = cli
        .flags()
        .config_path()
        .or_else(crate::config::default_path)
        .ok_or_else(|| anyhow::anyhow!("cannot find a home directory for the config file; pass --config PATH"))?;
    crate::config::write_example(&path, force)?;
    let done = format!("wrote {} (mode 600); fill it in, then run: orderscope doctor", path.display());
    text::write_line(&mut std::io::stdout().lock(), &done)?;
    Ok(())
}
