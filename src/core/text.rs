//! Text from the API made safe and measured for the terminal: control
//! characters become visible symbols (never reach the terminal), and widths
//! are counted in terminal columns so CJK and emoji line up.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Replaces control characters with visible stand-ins: C0 controls with the
/// Unicode "control pictures" (ESC → ␛), DEL with ␡, C1 controls with `\u{9b}`.
pub fn visible(s: &str) -> String {
    if !s.chars().any(is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c as u32 {
            0x00..=0x1f => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            0x7f => out.push('␡'),
            0x80..=0x9f => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

/// The one way text commands print a line: control characters from data
/// (an order id, a push's event, a file name) are shown, never obeyed.
pub fn write_line(out: &mut impl std::io::Write, line: &str) -> std::io::Result<()> {
    out.write_all(visible(line).as_bytes())?;
    out.write_all(b"\n")
}

/// `write_line` for each line of a text that spans lines (a report).
pub fn write_text(out: &mut impl std::io::Write, text: &str) -> std::io::Result<()> {
    text.lines().try_for_each(|l| write_line(out, l))
}

fn is_control(c: char) -> bool {
    matches!(c as u32, 0x00..=0x1f | 0x7f..=0x9f)
}

/// Terminal columns taken by `s`.
/// A count with thousands separators: `30,812`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns, ending with `…` when it was cut.
/// Control characters are made visible first: they would otherwise count
/// as no columns and reach the terminal.
pub fn truncate(s: &str, max: usize) -> String {
    let escaped;
    let s = if s.chars().any(is_control) {
        escaped = visible(s);
        escaped.as_str()
    } else {
        s
    };
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Pads `s` with spaces to exactly `cols` columns (cutting it first if needed).
pub fn pad(s: &str, cols: usize) -> String {
    let cut = truncate(s, cols);
    let w = width(&cut);
    format!("{cut}{}", " ".repeat(cols.saturating_sub(w)))
}

/// Breaks `s` into lines of at most `cols` columns: at spaces, and between
/// CJK (double-width) characters, which need no space to break; a run with
/// no break opportunity that is longer than a line is cut where it must be.
pub fn wrap(s: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(1);
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line: Vec<&str> = Vec::new();
        let mut used = 0;
        for token in break_tokens(para) {
            let w = width(token);
            if used + w > cols && used > 0 {
                // No line starts with closing punctuation (，。）…): the
                // piece before it goes down with it.
                let carried = match line.last() {
                    Some(&last) if line.len() > 1 && last != " " && closes(token) && width(last) + w <= cols => {
                        line.pop()
                    }
                    _ => None,
                };
                lines.push(line.concat().trim_end().to_string());
                line.clear();
                used = 0;
                if let Some(last) = carried {
                    line.push(last);
                    used = width(last);
                }
                if token == " " && line.is_empty() {
                    continue;
                }
            }
            if w > cols {
                // A run without break opportunities: cut it by columns.
                let mut from = 0;
                for (i, c) in token.char_indices() {
                    let cw = c.width().unwrap_or(0);
                    if used + cw > cols {
                        line.push(&token[from..i]);
                        lines.push(std::mem::take(&mut line).concat());
                        from = i;
                        used = 0;
                    }
                    used += cw;
                }
                line.push(&token[from..]);
                continue;
            }
            line.push(token);
            used += w;
        }
        lines.push(line.concat().trim_end().to_string());
    }
    lines
}

/// Punctuation that closes what comes before it, which a line must not
/// start with.
fn closes(token: &str) -> bool {
    token.chars().next().is_some_and(|c| "，。、；：！？）」』》〉】…,.;:!?)".contains(c))
}

/// Chinese text with the punctuation of Chinese: `: ` `, ` `; ` next to
/// Chinese characters become `：` `，` `；`, and parentheses around Chinese
/// become `（）`. Times (`10:26`), numbers (`1,000`) and ASCII-only
/// parentheses (`(inferred)` in a field's value) stay as they are.
pub fn zh_punctuation(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let wide = |c: Option<&char>| c.is_some_and(|c| c.width().unwrap_or(0) >= 2);
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let before = if i == 0 { None } else { chars.get(i - 1) };
        match c {
            ':' | ',' | ';' if chars.get(i + 1) == Some(&' ') || wide(chars.get(i + 1)) => {
                let after = if chars.get(i + 1) == Some(&' ') { chars.get(i + 2) } else { chars.get(i + 1) };
                if wide(before) || wide(after) {
                    out.push(match c {
                        ':' => '：',
                        ',' => '，',
                        _ => '；',
                    });
                    // The full-width mark carries its own space.
                    if chars.get(i + 1) == Some(&' ') {
                        i += 1;
                    }
                } else {
                    out.push(c);
                }
            }
            '(' => match chars[i + 1..].iter().position(|&c| c == ')' || c == '(') {
                Some(len) if chars[i + 1 + len] == ')' && chars[i + 1..i + 1 + len].iter().any(|c| wide(Some(c))) => {
                    // A space before a full-width parenthesis is one too many.
                    if out.ends_with(' ') {
                        out.pop();
                    }
                    out.push('（');
                    out.extend(&chars[i + 1..i + 1 + len]);
                    out.push('）');
                    i += len + 1;
                }
                _ => out.push(c),
            },
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Splits text into the pieces a line may break between: a single space,
/// one double-width character, or a run of other characters.
fn break_tokens(s: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let alone = c == ' ' || c.width().unwrap_or(0) >= 2;
        if alone {
            if let Some(st) = start.take() {
                tokens.push(&s[st..i]);
            }
            tokens.push(&s[i..i + c.len_utf8()]);
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        tokens.push(&s[st..]);
    }
    tokens
}

/// Masks the middle of every run of 11 or more digits: `13912340775` → `139****0775`.
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run = &chars[start..i];
            if run.len() >= 11 {
                out.extend(&run[..3]);
                out.push_str(&"*".repeat(run.len() - 7));
                out.extend(&run[run.len() - 4..]);
            } else {
                out.extend(run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Fields of an order or push that hold a buyer's contact number.
pub fn is_phone_field(path: &str) -> bool {
    let leaf = path.rsplit('/').next().unwrap_or(path);
    matches!(leaf, "tel_number" | "real_tel_number" | "virtual_order_tel_number" | "phone" | "masked_real_phone")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_starts_with_closing_punctuation() {
        // "，" would start the second line at 6 columns: "开始" goes down with it.
        let lines = wrap("计时在发货前开始，两次读取之间", 12);
        assert!(lines.iter().all(|l| !l.starts_with('，')), "{lines:?}");
        assert!(lines.iter().all(|l| width(l) <= 12), "{lines:?}");
        assert_eq!(lines.concat(), "计时在发货前开始，两次读取之间");
        // Without the rule it would: the same text at a width where it breaks right before "，".
        assert_eq!(wrap("计时开始，两次", 8), ["计时开", "始，两次"]);
        assert_eq!(wrap("ab cd", 2), ["ab", "cd"]);
    }

    #[test]
    fn chinese_takes_chinese_punctuation_and_times_and_values_stay() {
        assert_eq!(zh_punctuation("接收器全程运行: 2026-11-24 10:26"), "接收器全程运行：2026-11-24 10:26");
        assert_eq!(
            zh_punctuation("A 123（演示数据）: 2 个版本, 其中 1 个; 另"),
            "A 123（演示数据）：2 个版本，其中 1 个；另"
        );
        assert_eq!(zh_punctuation("12:27:31 (1 小时 53 分 早于发货)"), "12:27:31（1 小时 53 分 早于发货）");
        assert_eq!(zh_punctuation("status 20 (inferred), 1,000"), "status 20 (inferred), 1,000");
        assert_eq!(zh_punctuation("English: stays, as it is (here)"), "English: stays, as it is (here)");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(30_812), "30,812");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
    }

    #[test]
    fn control_characters_are_made_visible() {
        assert_eq!(visible("a\u{1b}[31mb\n"), "a␛[31mb␊");
        assert_eq!(visible("x\u{7f}\u{9b}"), "x␡\\u{9b}");
        assert_eq!(visible("正常文本"), "正常文本");
    }

    #[test]
    fn widths_count_columns() {
        assert_eq!(width("待发货"), 6);
        assert_eq!(width("🎧a"), 3);
        assert_eq!(truncate("降噪蓝牙耳机", 7), "降噪蓝…");
        assert_eq!(width(&truncate("降噪蓝牙耳机", 7)), 7);
        assert_eq!(pad("待发货", 8), "待发货  ");
        assert_eq!(truncate("abc", 3), "abc");
    }

    #[test]
    fn chinese_wraps_between_characters_and_english_at_spaces() {
        let lines = wrap("订单 3732676853715311104 的虚拟号计时开始于发货前约两小时", 20);
        assert_eq!(lines[0], "订单");
        // Not a half-empty line: CJK text fills each line to the width.
        for l in &lines[1..lines.len() - 1] {
            assert!(width(l) >= 19, "{l:?} in {lines:?}");
        }
        assert!(lines.iter().all(|l| width(l) <= 20), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), "订单3732676853715311104的虚拟号计时开始于发货前约两小时");
        assert_eq!(wrap("the clock started before shipping", 12), vec!["the clock", "started", "before", "shipping"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
    }

    #[test]
    fn long_digit_runs_are_masked() {
        assert_eq!(mask_phone("13912340775"), "139****0775");
        assert_eq!(mask_phone("139****0775"), "139****0775");
        assert_eq!(mask_phone("tel 13912340775 ext 0775"), "tel 139****0775 ext 0775");
        assert_eq!(mask_phone("12345"), "12345");
        assert!(is_phone_field("/order_detail/delivery_info/address_info/tel_number"));
        assert!(!is_phone_field("/order_detail/delivery_info/address_info/tel_number_ext_info/virtual_tel_number"));
    }
}
