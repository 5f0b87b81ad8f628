//! `messages --reprocess`: retries the quarantined pushes with the current
//! settings (after the EncodingAESKey or appid was fixed, or a projection
//! bug was). The body kept as it arrived is decoded the same way a live
//! push is; a message that still cannot be read stays quarantined as it
//! was: nothing is stored with its bytes replaced.

use super::{Settings, envelope_encrypt};
use crate::crypto;
use crate::store::{self, QuarantinedRow, Store};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub released: usize,
    /// Message id and why it is still unreadable.
    pub still: Vec<(i64, String)>,
}

/// Retries every quarantined message; releases each one that now reads.
pub fn run(store: &mut Store, settings: &Settings) -> store::Result<Outcome> {
    let mut out = Outcome::default();
    for row in store.quarantined()? {
        match readable(&row, settings) {
            Ok(text) => {
                store.write(|c| c.release_quarantined(row.id, &text))?;
                out.released += 1;
            }
            Err(why) => out.still.push((row.id, why)),
        }
    }
    Ok(out)
}

/// The message's text, or why it cannot be read yet.
fn readable(row: &QuarantinedRow, settings: &Settings) -> Result<String, String> {
    let text = if !row.plaintext.is_empty() {
        row.plaintext.clone()
    } else {
        let encrypt = envelope_encrypt(&row.envelope).ok_or("the body has no Encrypt field")?;
        let msg = crypto::open_for(&settings.key, &encrypt, &settings.appid).map_err(|e| e.to_string())?;
        String::from_utf8(msg).map_err(|_| "the decrypted message is not UTF-8".to_string())?
    };
    crate::model::Push::parse(&text).map_err(|e| format!("cannot parse the decrypted message: {e}"))?;
    Ok(text)
}
