//! The Japanese font the PDF embeds: found among the fonts `scripts/setup.sh` installs
//! (Noto Sans CJK JP from Debian's `fonts-noto-cjk`, or IPAex/IPA/VL Gothic), or named by
//! `ONCOMETRICS_FONT` (and `ONCOMETRICS_FONT_BOLD`). The same bytes serve three uses:
//! measuring text for line breaks, krilla's text (subset and embedded), and the charts'
//! SVG text through usvg's font database.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

/// Regular and bold font files tried in order when no environment variable names one.
const CANDIDATES: &[(&str, Option<&str>)] = &[
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        Some("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ),
    ("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf", None),
    ("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", None),
    ("/usr/share/fonts/truetype/vlgothic/VL-Gothic-Regular.ttf", None),
];

/// One face of a font file, with its advance widths cached as they are asked for.
#[derive(Debug)]
pub struct Face {
    pub path: PathBuf,
    pub data: Arc<Vec<u8>>,
    /// The face's index in a collection (.ttc).
    pub index: u32,
    /// The family name, as usvg's font database knows it.
    pub family: String,
    units_per_em: f32,
    advances: RefCell<HashMap<char, f32>>,
}

impl Face {
    fn load(path: &Path) -> Result<Face> {
        let bytes = std::fs::read(path).map_err(|e| Error::Font(format!("{}: {e}", path.display())))?;
        let count = ttf_parser::fonts_in_collection(&bytes).unwrap_or(1);
        // In a CJK collection, prefer the Japanese face (glyph shapes differ by region).
        let mut chosen = None;
        for index in 0..count {
            let Ok(face) = ttf_parser::Face::parse(&bytes, index) else { continue };
            let family = family_name(&face).unwrap_or_default();
            if face.glyph_index('あ').is_none() {
                continue;
            }
            let japanese = family.contains("JP") || !family.contains("CJK");
            if chosen.is_none() || japanese {
                chosen = Some((index, family, f32::from(face.units_per_em())));
            }
            if japanese {
                break;
            }
        }
        let (index, family, units_per_em) = chosen
            .ok_or_else(|| Error::Font(format!("{}: かなの字形がありません / the font has no kana", path.display())))?;
        Ok(Face {
            path: path.to_path_buf(),
            data: Arc::new(bytes),
            index,
            family,
            units_per_em,
            advances: RefCell::new(HashMap::new()),
        })
    }

    /// The width of `text` at `size` points (advance widths, no kerning).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let mut cache = self.advances.borrow_mut();
        let mut missing: Vec<char> = text.chars().filter(|c| !cache.contains_key(c)).collect();
        if !missing.is_empty()
            && let Ok(face) = ttf_parser::Face::parse(&self.data, self.index)
        {
            missing.dedup();
            for c in missing {
                let adv =
                    face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)).map_or(self.units_per_em, f32::from);
                cache.insert(c, adv / self.units_per_em);
            }
        }
        text.chars().map(|c| cache.get(&c).copied().unwrap_or(1.0)).sum::<f32>() * size
    }
}

fn family_name(face: &ttf_parser::Face<'_>) -> Option<String> {
    let names = face.names();
    let english = |id| {
        names
            .into_iter()
            .find(|n| n.name_id == id && n.is_unicode() && n.language_id == 0x0409)
            .and_then(|n| n.to_string())
    };
    english(ttf_parser::name_id::TYPOGRAPHIC_FAMILY)
        .or_else(|| english(ttf_parser::name_id::FAMILY))
        .or_else(|| names.into_iter().filter(|n| n.name_id == ttf_parser::name_id::FAMILY).find_map(|n| n.to_string()))
}

/// The regular face and, when one is installed, a bold face (else the regular one again).
#[derive(Debug)]
pub struct Fonts {
    pub regular: Face,
    pub bold: Option<Face>,
}

impl Fonts {
    /// `ONCOMETRICS_FONT` / `ONCOMETRICS_FONT_BOLD`, else the first installed candidate.
    pub fn find() -> Result<Fonts> {
        if let Some(path) = std::env::var_os("ONCOMETRICS_FONT").filter(|p| !p.is_empty()) {
            let bold = std::env::var_os("ONCOMETRICS_FONT_BOLD").filter(|p| !p.is_empty());
            return Fonts::load(Path::new(&path), bold.as_deref().map(Path::new));
        }
        for (regular, bold) in CANDIDATES {
            if Path::new(regular).is_file() {
                let bold = bold.map(Path::new).filter(|b| b.is_file());
                return Fonts::load(Path::new(regular), bold);
            }
        }
        Err(Error::Font(
            "日本語フォントが見つかりません。scripts/setup.sh で fonts-noto-cjk を入れるか、ONCOMETRICS_FONT にフォントファイル\
             （.ttf/.otf/.ttc）を指定してください / no Japanese font found: run scripts/setup.sh (fonts-noto-cjk) or set \
             ONCOMETRICS_FONT to a font file"
                .into(),
        ))
    }

    pub fn load(regular: &Path, bold: Option<&Path>) -> Result<Fonts> {
        Ok(Fonts { regular: Face::load(regular)?, bold: bold.map(Face::load).transpose()? })
    }

    pub fn face(&self, bold: bool) -> &Face {
        if bold { self.bold.as_ref().unwrap_or(&self.regular) } else { &self.regular }
    }

    /// usvg's font database holding these faces, with `sans-serif` mapped to the regular family.
    pub fn database(&self) -> usvg::fontdb::Database {
        let mut db = usvg::fontdb::Database::new();
        for face in std::iter::once(&self.regular).chain(&self.bold) {
            db.load_font_source(usvg::fontdb::Source::Binary(face.data.clone()));
        }
        db.set_sans_serif_family(self.regular.family.clone());
        db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_font_file_names_the_path() {
        let err =
            Fonts::load(Path::new("/nonexistent/font.ttc"), None).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("/nonexistent/font.ttc"), "{err}");
    }

    #[test]
    fn installed_japanese_font_measures_full_width_kana_as_one_em() {
        let fonts = Fonts::find().expect("scripts/setup.sh installs a Japanese font");
        let w = fonts.regular.width("あい", 10.0);
        assert!((w - 20.0).abs() < 0.5, "{w}");
        assert!(fonts.regular.width("1", 10.0) < 10.0);
    }
}
