//! `messages --reprocess`: retries the quarantined pushes with the current
//! settings (after the EncodingAESKey or appid was fixed, or a projection
//! bug was). The body kept as it arrived is decoded the same way a live
//! push is; a message that still cannot be read stays quarantined as it
//! was: nothing is stored with its bytes replaced.

use super::{Settings, envelope_encrypt};
use crate::crypto;
use crate::store::{self, QuarantinedRow, Store};

/// How many quarantined messages one page holds: enough to keep the
/// round trips few, few enough that memory does not follow the quarantine.
const PAGE: i64 = 500;

/// The message ids named per reason; the rest are counted.
const IDS_SHOWN: usize = 5;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub released: usize,
    /// Released by another run while this one was reading them.
    pub released_elsewhere: usize,
    /// Why messages are still unreadable, each reason with how many and
    /// the first few ids, in the order the reasons were first met.
    pub still: Vec<Still>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Still {
    pub reason: String,
    pub count: usize,
    pub first_ids: Vec<i64>,
}

impl Outcome {
    pub fn still_count(&self) -> usize {
        self.still.iter().map(|s| s.count).sum()
    }

    fn keep(&mut self, id: i64, reason: String) {
        match self.still.iter_mut().find(|s| s.reason == reason) {
            Some(s) => {
                s.count += 1;
                if s.first_ids.len() < IDS_SHOWN {
                    s.first_ids.push(id);
                }
            }
            None => self.still.push(Still { reason, count: 1, first_ids: vec![id] }),
        }
    }
}

/// Retries every quarantined message, a page at a time; releases each one
/// that now reads. Two runs at once split the work: a message the other run
/// released first is counted, not an error.
pub fn run(store: &mut Store, settings: &Settings) -> store::Result<Outcome> {
    let mut out = Outcome::default();
    let mut after = 0;
    loop {
        let page = store.reads().quarantined_after(after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for row in page {
            match readable(&row, settings) {
                Ok(text) => match store.write(|c| c.release_quarantined(row.id, &text))? {
                    Some(_) => out.released += 1,
                    None => out.released_elsewhere += 1,
                },
                // Grouped by their words, as the report shows them.
                Err(why) => out.keep(row.id, why.to_string()),
            }
        }
    }
    Ok(out)
}

/// Why a quarantined message still cannot be read.
#[derive(Debug, thiserror::Error)]
enum Unreadable {
    #[error("the body has no Encrypt field")]
    NoEncrypt,
    #[error(transparent)]
    Crypto(#[from] crypto::CryptoError),
    #[error("the decrypted message is not UTF-8")]
    NotUtf8(#[source] std::string::FromUtf8Error),
    #[error("cannot parse the decrypted message: {0}")]
    Push(#[source] crate::model::push::PushError),
}

/// The message's text, or why it cannot be read yet.
fn readable(row: &QuarantinedRow, settings: &Settings) -> Result<String, Unreadable> {
    let text = if !row.plaintext.is_empty() {
        row.plaintext.clone()
    } else {
        let encrypt = envelope_encrypt(&row.envelope).ok_or(Unreadable::NoEncrypt)?;
        let msg = crypto::open_for(&settings.key, &encrypt, &settings.appid)?;
        String::from_utf8(msg).map_err(Unreadable::NotUtf8)?
    };
    crate::model::Push::parse(&text).map_err(Unreadable::Push)?;
    Ok(text)
}
