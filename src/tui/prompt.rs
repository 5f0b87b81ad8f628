//! The command line inside the inspector (`:`): what a line means, and how
//! Tab completes it. Pure: the update carries the commands out.

/// The commands, as typed (Tab completes them).
pub const COMMANDS: [&str; 6] = ["compare", "expiring", "help", "push", "quit", "report"];
/// Lines remembered for ↑ ↓, oldest first.
pub const HISTORY: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Go to the order, or fetch it from the shop API when it is not stored.
    Order(String),
    /// Compare two orders; with one, the selected order is A.
    Compare(Option<String>, String),
    /// Copy the selected order's report.
    Report,
    /// The push stream over the last `secs`.
    Push(i64),
    Expiring,
    Help,
    Quit,
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.chars().all(|c| c.is_ascii_digit())
}

/// Why a line asks for nothing this understands, as the footer says it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    #[error("type an order id or a command (tab completes)")]
    Empty,
    #[error("compare takes one or two order ids: compare A B, or compare B (A is the selected order)")]
    Compare,
    /// `push` with a span that is not one: the span's own words.
    #[error(transparent)]
    Push(#[from] crate::timefmt::DurationError),
    /// The whole line, as typed.
    #[error("unknown command {0:?}: an order id, compare A [B], report, push [10m|1h|1d], expiring, help")]
    Unknown(String),
}

/// What a line asks for, or why it asks for nothing this understands.
pub fn parse(line: &str) -> Result<Command, PromptError> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [] => Err(PromptError::Empty),
        [id] if is_id(id) => Ok(Command::Order(id.to_string())),
        ["compare", b] if is_id(b) => Ok(Command::Compare(None, b.to_string())),
        ["compare", a, b] if is_id(a) && is_id(b) => Ok(Command::Compare(Some(a.to_string()), b.to_string())),
        ["compare", ..] => Err(PromptError::Compare),
        ["report"] => Ok(Command::Report),
        ["push"] => Ok(Command::Push(3600)),
        ["push", since] => Ok(Command::Push(crate::timefmt::parse_duration(since)?)),
        ["expiring"] => Ok(Command::Expiring),
        ["help"] => Ok(Command::Help),
        ["q" | "quit"] => Ok(Command::Quit),
        _ => Err(PromptError::Unknown(line.to_string())),
    }
}

/// The line with its last word completed: a command name in the first
/// word, an order id (from `ids`) after `compare` or alone. Several
/// candidates complete to what they share; `None` when nothing fits.
pub fn complete<'a>(line: &str, ids: impl Iterator<Item = &'a str>) -> Option<String> {
    let (head, last) = match line.rfind(' ') {
        Some(i) => (&line[..=i], &line[i + 1..]),
        None => ("", line),
    };
    let first_word = head.trim().is_empty();
    let candidates: Vec<String> = if first_word && !last.chars().all(|c| c.is_ascii_digit()) {
        COMMANDS.iter().filter(|c| c.starts_with(last)).map(|c| c.to_string()).collect()
    } else if last.is_empty() && first_word {
        return None;
    } else if first_word || head.trim() == "compare" || head.trim().starts_with("compare ") {
        if last.is_empty() {
            return None;
        }
        let mut found: Vec<String> = ids.filter(|id| id.starts_with(last)).take(1000).map(str::to_string).collect();
        found.sort();
        found.dedup();
        found
    } else {
        return None;
    };
    let shared = common_prefix(&candidates)?;
    let done = candidates.len() == 1;
    let word = if done { format!("{shared} ") } else { shared };
    (word.trim_end() != last || done).then(|| format!("{head}{word}"))
}

fn common_prefix(words: &[String]) -> Option<String> {
    let first = words.first()?;
    let mut end = first.len();
    for w in &words[1..] {
        end = first.bytes().zip(w.bytes()).take(end).take_while(|(a, b)| a == b).count();
    }
    Some(first[..end].to_string())
}

/// Remembers a line run (not a repeat of the last one), at most
/// [`HISTORY`].
pub fn remember(history: &mut Vec<String>, line: &str) {
    let line = line.trim();
    if line.is_empty() || history.last().is_some_and(|l| l == line) {
        return;
    }
    history.push(line.to_string());
    if history.len() > HISTORY {
        history.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_mean_commands() {
        assert_eq!(parse("3732676853715311104"), Ok(Command::Order("3732676853715311104".into())));
        assert_eq!(parse(" compare 1 2 "), Ok(Command::Compare(Some("1".into()), "2".into())));
        assert_eq!(parse("compare 2"), Ok(Command::Compare(None, "2".into())));
        assert_eq!(parse("compare x"), Err(PromptError::Compare));
        assert_eq!(parse("push 10m"), Ok(Command::Push(600)));
        assert_eq!(parse("push"), Ok(Command::Push(3600)));
        assert!(parse("push soon").unwrap_err().to_string().contains("bad duration"));
        assert_eq!(parse("report"), Ok(Command::Report));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(
            parse("frobnicate").unwrap_err().to_string(),
            "unknown command \"frobnicate\": an order id, compare A [B], report, push [10m|1h|1d], expiring, help"
        );
        assert_eq!(parse("  ").unwrap_err().to_string(), "type an order id or a command (tab completes)");
    }

    #[test]
    fn tab_completes_commands_and_order_ids() {
        let ids = ["3732676853715311104", "3741098712233558016", "3741203385562701568"];
        let c = |line: &str| complete(line, ids.iter().copied());
        assert_eq!(c("com").as_deref(), Some("compare "));
        assert_eq!(c("e").as_deref(), Some("expiring "));
        assert_eq!(c("zz"), None);
        assert_eq!(c("374").as_deref(), Some("3741"), "what the candidates share");
        assert_eq!(c("37410").as_deref(), Some("3741098712233558016 "));
        assert_eq!(c("compare 3732").as_deref(), Some("compare 3732676853715311104 "));
        assert_eq!(
            c("compare 3732676853715311104 37412").as_deref(),
            Some("compare 3732676853715311104 3741203385562701568 ")
        );
        assert_eq!(c("push 1"), None, "no ids after push");
    }

    #[test]
    fn history_keeps_the_last_hundred_without_repeats() {
        let mut h = Vec::new();
        for i in 0..150 {
            remember(&mut h, &format!("push {i}m"));
            remember(&mut h, &format!("push {i}m"));
        }
        assert_eq!(h.len(), HISTORY);
        assert_eq!(h.last().map(String::as_str), Some("push 149m"));
    }
}
