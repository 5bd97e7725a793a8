//! Japanese free text: morphological analysis with vibrato (a MeCab-compatible Viterbi
//! tokenizer) over the IPADIC dictionary, turned into the terms the survey metrics count,
//! and keyword-in-context lines.
//!
//! - [`dictionary`]: finding, compiling and caching the IPADIC system dictionary.
//! - `terms`: the analyzer — tokens, content words, compound nouns, stop words, KWIC.

pub mod dictionary;
mod terms;

pub use terms::{Analyzer, Pos, STOP_WORDS, Term, TermIndex, Unit, kwic};
