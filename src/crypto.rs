//! WeChat's message crypto ("WXBizMsgCrypt", safe mode): SHA-1 signatures
//! over sorted parameters, and AES-256-CBC with IV = key[..16], padding to
//! 32-byte blocks (pad values 1..=32, not PKCS#7's 16), plaintext laid out as
//! `random(16) | msg_len (u32 BE) | msg | appid`. Pure functions.

use aes::Aes256;
use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use base64::Engine;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};

/// WeChat pads to multiples of 32 bytes.
const BLOCK: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The EncodingAESKey is not 43 base64 characters.
    #[error("the EncodingAESKey is not usable: {0}")]
    BadKey(String),
    #[error("Encrypt is not valid base64")]
    BadBase64,
    /// Not a whole number of AES blocks.
    #[error("ciphertext of {0} bytes is not a whole number of AES blocks")]
    BadLength(usize),
    #[error("bad padding byte {0} (must be 1..=32); wrong EncodingAESKey?")]
    BadPadding(u8),
    /// The length field points past the end.
    #[error("message length {declared} runs past the {available} bytes decrypted; wrong EncodingAESKey?")]
    BadMessageLength { declared: usize, available: usize },
    #[error("{}", appid_mismatch(found))]
    AppIdMismatch { found: String },
}

/// What follows the message is only shown when it looks like an appid:
/// with a wrong length field it is decrypted order data.
fn appid_mismatch(found: &str) -> String {
    if looks_like_appid(found) {
        format!("the message is for appid {found:?}, not this shop")
    } else {
        format!(
            "the message does not end with an appid ({} bytes of something else after it): wrong length field or EncodingAESKey?",
            found.len()
        )
    }
}

/// An appid is a short run of letters and digits ("wx" and 16 hex digits for a shop).
fn looks_like_appid(s: &str) -> bool {
    (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Base64 that accepts the non-zero trailing bits most EncodingAESKeys have.
fn lenient() -> GeneralPurpose {
    GeneralPurpose::new(&base64::alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true))
}

/// The 32-byte AES key from the 43-character EncodingAESKey.
pub fn decode_key(encoding_aes_key: &str) -> Result<[u8; 32], CryptoError> {
    let k = encoding_aes_key.trim();
    if k.len() != 43 {
        return Err(CryptoError::BadKey(format!("it has {} characters, not 43", k.chars().count())));
    }
    let bytes = lenient()
        .decode(format!("{k}="))
        .map_err(|_| CryptoError::BadKey("it is not base64 (A-Z, a-z, 0-9, +, /)".into()))?;
    bytes.try_into().map_err(|_| CryptoError::BadKey("it does not decode to 32 bytes".into()))
}

fn sha1_sorted(parts: &mut [&str]) -> String {
    parts.sort_unstable();
    crate::json::sha1_hex(parts.concat().as_bytes())
}

/// `signature` of URL verification and plaintext mode: sha1 of the sorted token, timestamp, nonce.
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> String {
    sha1_sorted(&mut [token, timestamp, nonce])
}

/// `msg_signature` of safe mode: sha1 of the sorted token, timestamp, nonce and Encrypt.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    sha1_sorted(&mut [token, timestamp, nonce, encrypt])
}

/// Compares two signatures in time that does not depend on where they differ.
pub fn same_signature(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.trim().to_ascii_lowercase().into_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A decrypted message and the appid it was sealed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub msg: Vec<u8>,
    pub appid: String,
}

/// Decrypts `Encrypt`. The appid check is the caller's (see [`open_for`]).
pub fn open(key: &[u8; 32], encrypt: &str) -> Result<Opened, CryptoError> {
    let data = lenient().decode(encrypt.trim()).map_err(|_| CryptoError::BadBase64)?;
    if data.is_empty() || data.len() % 16 != 0 {
        return Err(CryptoError::BadLength(data.len()));
    }
    let iv: [u8; 16] = key[..16].try_into().expect("16 bytes");
    let plain = cbc::Decryptor::<Aes256>::new(key.into(), &iv.into())
        .decrypt_padded_vec::<NoPadding>(&data)
        .map_err(|_| CryptoError::BadLength(data.len()))?;
    let pad = *plain.last().expect("non-empty");
    if pad == 0 || pad as usize > BLOCK || pad as usize > plain.len() {
        return Err(CryptoError::BadPadding(pad));
    }
    let body = &plain[..plain.len() - pad as usize];
    if body.len() < 20 {
        return Err(CryptoError::BadMessageLength { declared: 0, available: body.len() });
    }
    let declared = u32::from_be_bytes(body[16..20].try_into().expect("4 bytes")) as usize;
    let available = body.len() - 20;
    if declared > available {
        return Err(CryptoError::BadMessageLength { declared, available });
    }
    Ok(Opened {
        msg: body[20..20 + declared].to_vec(),
        appid: String::from_utf8_lossy(&body[20 + declared..]).into_owned(),
    })
}

/// Decrypts and checks that the message was sealed for `appid`.
pub fn open_for(key: &[u8; 32], encrypt: &str, appid: &str) -> Result<Vec<u8>, CryptoError> {
    let opened = open(key, encrypt)?;
    if opened.appid != appid {
        return Err(CryptoError::AppIdMismatch { found: opened.appid });
    }
    Ok(opened.msg)
}

/// Encrypts a message as the platform does (used by tests, the demo and the
/// load generator).
pub fn seal(key: &[u8; 32], random: &[u8; 16], msg: &[u8], appid: &str) -> String {
    let mut buf = Vec::with_capacity(20 + msg.len() + appid.len() + BLOCK);
    buf.extend_from_slice(random);
    buf.extend_from_slice(&(msg.len() as u32).to_be_bytes());
    buf.extend_from_slice(msg);
    buf.extend_from_slice(appid.as_bytes());
    let pad = BLOCK - buf.len() % BLOCK;
    buf.extend(std::iter::repeat_n(pad as u8, pad));
    let iv: [u8; 16] = key[..16].try_into().expect("16 bytes");
    let sealed = cbc::Encryptor::<Aes256>::new(key.into(), &iv.into()).encrypt_padded_vec::<NoPadding>(&buf);
    base64::engine::general_purpose::STANDARD.encode(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    // wechat-channels.md §5.1: the official JSON safe-mode vector.
    const OFFICIAL_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const OFFICIAL_ENCRYPT: &str = "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=";

    #[test]
    fn official_json_vector() {
        assert_eq!(
            msg_signature("AAAAA", "1714112445", "415670741", OFFICIAL_ENCRYPT),
            "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"
        );
        assert_eq!(signature("AAAAA", "1714112445", "415670741"), "6c5c811b55cc85e0e1b54100749188c20beb3f5d");
        let key = decode_key(OFFICIAL_KEY).unwrap();
        let opened = open(&key, OFFICIAL_ENCRYPT).unwrap();
        assert_eq!(opened.appid, "wxba5fad812f8e6fb9");
        assert_eq!(opened.msg.len(), 167);
        assert_eq!(
            String::from_utf8(opened.msg).unwrap(),
            r#"{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}"#
        );
    }

    #[test]
    fn official_reply_vector_seals_byte_for_byte() {
        let key = decode_key(OFFICIAL_KEY).unwrap();
        let sealed = seal(&key, b"707722b803182950", br#"{"demo_resp":"good luck"}"#, "wxba5fad812f8e6fb9");
        assert_eq!(sealed, "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==");
        assert_eq!(
            msg_signature("AAAAA", "1713424427", "415670741", &sealed),
            "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"
        );
    }

    #[test]
    fn official_plaintext_signature_vector() {
        assert_eq!(signature("AAAAA", "1714037059", "486452656"), "899cf89e464efb63f54ddac96b0a0a235f53aa78");
    }

    #[test]
    fn wxbizmsgcrypt_xml_vector_with_a_30_byte_pad() {
        let encrypt = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
        assert_eq!(
            msg_signature("QDG6eK", "1409659813", "1372623149", encrypt),
            "477715d11cdb4164915debcba66cb864d751f3e6"
        );
        let key = decode_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").unwrap();
        let msg = open_for(&key, encrypt, "wx5823bf96d3bd56c7").unwrap();
        assert_eq!(msg.len(), 284);
        let text = String::from_utf8(msg).unwrap();
        assert!(text.starts_with("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"));
        assert!(text.contains("<Content><![CDATA[hello]]></Content>"));
    }

    #[test]
    fn wechatpy_vectors() {
        let key = decode_key("kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR").unwrap();
        let echostr = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
        assert_eq!(
            msg_signature("123456", "1411443780", "437374425", echostr),
            "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
        );
        assert_ne!(
            msg_signature("123456", "1411443780", "437374424", echostr),
            "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
        );
        assert_eq!(open_for(&key, echostr, "wx49f0ab532d5d035a").unwrap(), b"5927782489442352469");
        let encrypt = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";
        assert_eq!(
            msg_signature("123456", "1411525903", "461056294", encrypt),
            "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
        );
        let text = String::from_utf8(open_for(&key, encrypt, "wx49f0ab532d5d035a").unwrap()).unwrap();
        assert!(text.contains("<Content><![CDATA[test]]></Content>"), "{text}");
        assert!(text.contains("messense"));
    }

    #[test]
    fn easywechat_key_decodes_leniently() {
        // Its last character has non-zero trailing bits: a strict decoder rejects it.
        let key = decode_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
        let sealed = seal(&key, &[7; 16], b"<xml><Content>hello</Content></xml>", "wxb11529c136998cb6");
        assert_eq!(open_for(&key, &sealed, "wxb11529c136998cb6").unwrap(), b"<xml><Content>hello</Content></xml>");
    }

    fn raw_seal(key: &[u8; 32], plain: &[u8]) -> String {
        let iv: [u8; 16] = key[..16].try_into().unwrap();
        base64::engine::general_purpose::STANDARD
            .encode(cbc::Encryptor::<Aes256>::new(key.into(), &iv.into()).encrypt_padded_vec::<NoPadding>(plain))
    }

    #[test]
    fn negative_cases() {
        let key = decode_key(OFFICIAL_KEY).unwrap();
        let good = seal(&key, &[1; 16], b"{}", "wxright");
        assert_eq!(open_for(&key, &good, "wxother"), Err(CryptoError::AppIdMismatch { found: "wxright".into() }));
        // pad byte 0, and over 32
        let mut plain = vec![0u8; 64];
        plain[19] = 2;
        assert_eq!(open(&key, &raw_seal(&key, &plain)), Err(CryptoError::BadPadding(0)));
        plain[63] = 33;
        assert_eq!(open(&key, &raw_seal(&key, &plain)), Err(CryptoError::BadPadding(33)));
        // length field past the end
        let mut plain = vec![0u8; 64];
        plain[16..20].copy_from_slice(&1000u32.to_be_bytes());
        plain[63] = 4;
        assert!(matches!(
            open(&key, &raw_seal(&key, &plain)),
            Err(CryptoError::BadMessageLength { declared: 1000, .. })
        ));
        // truncated base64 and partial blocks
        assert!(open(&key, &good[..good.len() - 7]).is_err());
        assert_eq!(open(&key, "!!!"), Err(CryptoError::BadBase64));
        // a key of the wrong length
        assert!(matches!(decode_key("short"), Err(CryptoError::BadKey(_))));
    }

    #[test]
    fn signatures_compare_case_insensitively_and_exactly() {
        assert!(same_signature("abc123", "ABC123"));
        assert!(!same_signature("abc123", "abc124"));
        assert!(!same_signature("abc123", "abc12"));
    }
}
