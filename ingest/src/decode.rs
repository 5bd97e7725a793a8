//! Encoding detection and decoding: UTF-8 (with or without BOM), UTF-16LE/BE
//! (Excel "Unicode text"), and CP932 (Shift_JIS as Windows and Excel write it,
//! including the NEC and IBM extension characters such as ①, ㈱, 髙 and 﨑).

use std::borrow::Cow;
use std::path::Path;

use encoding_rs::{SHIFT_JIS, UTF_16BE, UTF_16LE};

use crate::error::{Error, Result};

/// The encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Cp932,
    /// Not text: an XLSX workbook.
    Xlsx,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Cp932 => "CP932",
            Encoding::Xlsx => "XLSX",
        }
    }
}

/// Decodes a text file's bytes into UTF-8, detecting the encoding.
pub fn decode<'a>(path: &Path, bytes: &'a [u8]) -> Result<(Cow<'a, str>, Encoding)> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) || bytes == b"\xEF\xBB\xBF" {
        return Err(Error::file(path, "ファイルが空です", "the file is empty"));
    }
    let (text, enc) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        (utf8_strict(path, rest)?, Encoding::Utf8Bom)
    } else if bytes.starts_with(b"\xFF\xFE") {
        (utf16(path, &bytes[2..], Encoding::Utf16Le)?, Encoding::Utf16Le)
    } else if bytes.starts_with(b"\xFE\xFF") {
        (utf16(path, &bytes[2..], Encoding::Utf16Be)?, Encoding::Utf16Be)
    } else if looks_like_utf16le(bytes) {
        (utf16(path, bytes, Encoding::Utf16Le)?, Encoding::Utf16Le)
    } else if let Ok(s) = std::str::from_utf8(bytes) {
        (Cow::Borrowed(s), Encoding::Utf8)
    } else {
        (cp932(path, bytes)?, Encoding::Cp932)
    };
    if let Some(pos) = text.find('\0') {
        let line = text[..pos].matches('\n').count() + 1;
        return Err(Error::file(
            path,
            format!("{line} 行目に NUL 文字 (0x00) があります。テキストとして保存し直してください"),
            format!("line {line} contains a NUL byte (0x00); save the file as text again"),
        ));
    }
    let text = match text {
        // A second BOM after decoding (e.g. a UTF-8 BOM inside a UTF-16 file) is dropped.
        Cow::Borrowed(s) => Cow::Borrowed(s.strip_prefix('\u{FEFF}').unwrap_or(s)),
        Cow::Owned(s) => Cow::Owned(s.strip_prefix('\u{FEFF}').map(str::to_owned).unwrap_or(s)),
    };
    if text.trim().is_empty() {
        return Err(Error::file(path, "ファイルが空です", "the file is empty"));
    }
    Ok((text, enc))
}

fn utf8_strict<'a>(path: &Path, bytes: &'a [u8]) -> Result<Cow<'a, str>> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(Error::file(
                path,
                format!(
                    "UTF-8 (BOM 付き) のファイルですが {line} 行目に UTF-8 でないバイトがあります (文字コードが混在しています)"
                ),
                format!("the file is UTF-8 with BOM but line {line} is not valid UTF-8 (mixed encodings)"),
            ))
        }
    }
}

/// UTF-16LE text without BOM: many NUL bytes at odd offsets among the first bytes.
fn looks_like_utf16le(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let pairs = head.len() / 2;
    pairs >= 2 && head.chunks_exact(2).filter(|p| p[1] == 0 && p[0] != 0).count() * 10 >= pairs * 7
}

fn utf16<'a>(path: &Path, bytes: &[u8], enc: Encoding) -> Result<Cow<'a, str>> {
    let codec = if enc == Encoding::Utf16Le { UTF_16LE } else { UTF_16BE };
    let (s, had_errors) = codec.decode_without_bom_handling(bytes);
    if had_errors {
        let line = s.split('\u{FFFD}').next().map_or(1, |p| p.matches('\n').count() + 1);
        return Err(Error::file(
            path,
            format!("UTF-16 として読めない箇所があります ({line} 行目)"),
            format!("invalid UTF-16 at line {line}"),
        ));
    }
    Ok(Cow::Owned(s.into_owned()))
}

/// What one chunk of a non-UTF-8 file holds.
struct Chunk {
    /// First line (1-based, within the chunk) that is UTF-8 with non-ASCII text, and first that is not UTF-8.
    first_utf8: Option<usize>,
    first_cp932: Option<usize>,
    newlines: usize,
    text: String,
    /// Line (within the chunk) of the first byte CP932 cannot decode.
    bad_line: Option<usize>,
}

fn scan_chunk(bytes: &[u8]) -> Chunk {
    let (mut first_utf8, mut first_cp932) = (None, None);
    let mut newlines = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        newlines = i;
        if line.is_ascii() {
            continue;
        }
        let slot = if std::str::from_utf8(line).is_ok() { &mut first_utf8 } else { &mut first_cp932 };
        slot.get_or_insert(i + 1);
    }
    let (text, had_errors) = SHIFT_JIS.decode_without_bom_handling(bytes);
    let bad_line = had_errors.then(|| text.split('\u{FFFD}').next().map_or(1, |p| p.matches('\n').count() + 1));
    Chunk { first_utf8, first_cp932, newlines, text: text.into_owned(), bad_line }
}

/// Files at least this large are decoded in parallel chunks split at newlines
/// (0x0A is never a Shift_JIS trail byte, so the split is exact).
const PARALLEL_BYTES: usize = 4 << 20;

fn cp932<'a>(path: &Path, bytes: &[u8]) -> Result<Cow<'a, str>> {
    // A file that is not UTF-8 as a whole: CP932, unless some lines are UTF-8
    // (mixed encodings, which we refuse and name the first such line).
    let mut bounds = vec![0usize];
    if bytes.len() >= PARALLEL_BYTES {
        let chunks = rayon::current_num_threads().max(1) * 4;
        for k in 1..chunks {
            let target = bytes.len() * k / chunks;
            if let Some(i) = bytes[target..].iter().position(|&b| b == b'\n') {
                let at = target + i + 1;
                if at > *bounds.last().unwrap_or(&0) && at < bytes.len() {
                    bounds.push(at);
                }
            }
        }
    }
    bounds.push(bytes.len());
    use rayon::prelude::*;
    let chunks: Vec<Chunk> =
        bounds.windows(2).collect::<Vec<_>>().into_par_iter().map(|w| scan_chunk(&bytes[w[0]..w[1]])).collect();
    let (mut first_utf8, mut first_cp932, mut bad): (Option<usize>, Option<usize>, Option<usize>) = (None, None, None);
    let mut base = 0usize;
    for c in &chunks {
        first_utf8 = first_utf8.or(c.first_utf8.map(|l| base + l));
        first_cp932 = first_cp932.or(c.first_cp932.map(|l| base + l));
        bad = bad.or(c.bad_line.map(|l| base + l));
        base += c.newlines;
    }
    if let (Some(u), Some(c)) = (first_utf8, first_cp932) {
        // The later of the two is the odd one out.
        let (odd, odd_kind, base, base_kind) = if u > c { (u, "UTF-8", c, "CP932") } else { (c, "CP932", u, "UTF-8") };
        return Err(Error::file(
            path,
            format!(
                "文字コードが混在しています: {odd} 行目は {odd_kind} ですが、{base} 行目は {base_kind} です。どちらかに統一して保存してください"
            ),
            format!("mixed encodings: line {odd} is {odd_kind} but line {base} is {base_kind}"),
        ));
    }
    if let Some(line) = bad {
        return Err(Error::file(
            path,
            format!("文字コードを判別できません: UTF-8 でも CP932 (Shift_JIS) でもありません ({line} 行目)"),
            format!("unknown encoding: neither UTF-8 nor CP932 (line {line})"),
        ));
    }
    let mut out = String::with_capacity(chunks.iter().map(|c| c.text.len()).sum());
    for c in chunks {
        out.push_str(&c.text);
    }
    Ok(Cow::Owned(out))
}

/// Encodes text as CP932 (for the sample generator). Characters CP932 cannot hold are an error.
pub fn encode_cp932(text: &str) -> Option<Vec<u8>> {
    let (bytes, _, had_errors) = SHIFT_JIS.encode(text);
    (!had_errors).then(|| bytes.into_owned())
}

/// Encodes text as UTF-16LE with BOM (Excel "Unicode text").
pub fn encode_utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t.csv")
    }

    #[test]
    fn cp932_with_nec_and_ibm_extensions_round_trips() {
        let text = "会員番号,施設\n1,①㈱髙﨑病院\n";
        let bytes = encode_cp932(text).expect("encodable");
        let (s, enc) = decode(p(), &bytes).expect("decodes");
        assert_eq!(enc, Encoding::Cp932);
        assert_eq!(s, text);
    }

    #[test]
    fn boms_are_detected_and_stripped() {
        let (s, enc) = decode(p(), "\u{FEFF}a,b\n1,2\n".as_bytes()).expect("utf8 bom");
        assert_eq!((s.as_ref(), enc), ("a,b\n1,2\n", Encoding::Utf8Bom));
        let utf16 = encode_utf16le("年度\t数\n");
        let (s, enc) = decode(p(), &utf16).expect("utf16");
        assert_eq!((s.as_ref(), enc), ("年度\t数\n", Encoding::Utf16Le));
    }

    #[test]
    fn mixed_encodings_name_the_line() {
        let mut bytes = encode_cp932("名前\n山田\n").expect("cp932");
        bytes.extend_from_slice("田中\n".as_bytes());
        let err = decode(p(), &bytes).expect_err("mixed").to_string();
        assert!(err.contains("3 行目は UTF-8"), "{err}");
    }

    #[test]
    fn a_large_cp932_file_decodes_in_parallel_and_still_names_a_mixed_line() {
        let mut text = String::from("会員番号,施設\n");
        for i in 0..300_000 {
            text.push_str(&format!("{i},髙﨑病院\n"));
        }
        let mut bytes = encode_cp932(&text).expect("cp932");
        assert!(bytes.len() > PARALLEL_BYTES);
        let (s, enc) = decode(p(), &bytes).expect("decodes");
        assert_eq!((s.len(), enc), (text.len(), Encoding::Cp932));
        assert_eq!(s, text);
        bytes.extend_from_slice("300000,山田病院\n".as_bytes());
        let err = decode(p(), &bytes).expect_err("mixed").to_string();
        assert!(err.contains("300002 行目は UTF-8"), "{err}");
    }

    #[test]
    fn nul_and_empty_files_are_errors() {
        assert!(decode(p(), b"a,b\n1,\0\n").expect_err("nul").to_string().contains("2 行目に NUL"));
        assert!(decode(p(), b"").is_err());
        assert!(decode(p(), b"\xEF\xBB\xBF").is_err());
        assert!(decode(p(), b"\n\n  \n").is_err());
    }
}
