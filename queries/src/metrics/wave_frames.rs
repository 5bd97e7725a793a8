//! The survey's sampling frame: the roster in force on each wave's 開始日 (every member is
//! invited), counted per 職種, 年齢階級 and 地方 — the denominators of the response rates
//! by segment and the margins that `survey.weighted` rakes to.

use std::sync::Arc;

use arrow::array::{Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use chrono::Datelike;
use datafusion::execution::context::SessionContext;
use model::membership::AGE_BANDS;
use model::prefecture::REGIONS;

use super::common::region_of;
use crate::error::Result;
use crate::frame::{date_column, i64_column, str_column};
use crate::snapshot::{Build, Derived};
use model::membership::age_band_index;

/// `wave_frames(fiscal_year, profession, age_band, region, n)`: members in force on the
/// 開始日 of each wave (as `member_spells` gives them: `span_from <= 開始日 < span_to`),
/// per 職種 (NULL when the roster has none), 年齢階級 in the 開始日's year and 地方 (不明
/// when unknown). A few thousand rows at any scale.
pub const WAVE_FRAMES: Derived = Derived {
    name: "wave_frames",
    from: &["survey_waves", "members", "member_history"],
    build: Build::Rust(|ctx| Box::pin(wave_frames(ctx))),
};

/// Each spell is matched to the waves it covers by binary search over the few 開始日s,
/// and counted into a dense array: SQL could only say this as a range join, which takes
/// ten times as long.
async fn wave_frames(ctx: &SessionContext) -> Result<RecordBatch> {
    let collect = |sql: &'static str| async move { Ok::<_, crate::error::Error>(ctx.sql(sql).await?.collect().await?) };
    // (開始日 as days since the epoch, its year, 年度), by 開始日.
    let mut waves: Vec<(i32, i32, i64)> = Vec::new();
    for b in &collect("SELECT fiscal_year, opened_on FROM survey_waves WHERE opened_on IS NOT NULL").await? {
        let (fy, opened) = (i64_column(b, "fiscal_year")?, date_column(b, "opened_on")?);
        for r in 0..b.num_rows() {
            if let Some(d) = opened.value_as_date(r) {
                waves.push((opened.value(r), d.year(), fy.value(r)));
            }
        }
    }
    waves.sort_unstable();
    // Streamed batch by batch: at scale 1,000 the spells are 24 M rows (a gigabyte held whole).
    let mut spells = ctx
        .sql("SELECT profession, birth_year, prefecture_code, span_from, span_to FROM member_spells")
        .await?
        .execute_stream()
        .await?;
    // Dense counts: [wave][profession][age band][region]; the last age band and region
    // index are 不明, professions are numbered as first seen (index 0 is NULL).
    let (bands, regions) = (AGE_BANDS.terms.len() + 1, REGIONS.len() + 1);
    let region_index: Vec<usize> =
        (0..=47).map(|c| REGIONS.iter().position(|r| *r == region_of(Some(c))).unwrap_or(REGIONS.len())).collect();
    let mut professions: Vec<Option<String>> = vec![None];
    const MAX_PROFESSIONS: usize = 64;
    let mut counts: Vec<i64> = vec![0; waves.len() * MAX_PROFESSIONS * bands * regions];
    let cell = |w: usize, p: usize, a: usize, g: usize| ((w * MAX_PROFESSIONS + p) * bands + a) * regions + g;
    while let Some(b) = futures::StreamExt::next(&mut spells).await {
        let b = &b?;
        let (profession, birth, pref, from, to) = (
            str_column(b, "profession")?,
            i64_column(b, "birth_year")?,
            i64_column(b, "prefecture_code")?,
            date_column(b, "span_from")?,
            date_column(b, "span_to")?,
        );
        for r in 0..b.num_rows() {
            if from.is_null(r) {
                continue;
            }
            let first = waves.partition_point(|w| w.0 < from.value(r));
            let end = if to.is_null(r) { waves.len() } else { waves.partition_point(|w| w.0 < to.value(r)) };
            if first >= end {
                continue;
            }
            let p = if profession.is_null(r) {
                0
            } else {
                let name = profession.value(r);
                match professions.iter().position(|p| p.as_deref() == Some(name)) {
                    Some(i) => i,
                    None if professions.len() < MAX_PROFESSIONS => {
                        professions.push(Some(name.to_string()));
                        professions.len() - 1
                    }
                    None => {
                        return Err(crate::error::Error::Data {
                            metric: "wave_frames".into(),
                            detail: format!("more than {MAX_PROFESSIONS} 職種 in the roster"),
                        });
                    }
                }
            };
            let g = if pref.is_null(r) {
                REGIONS.len()
            } else {
                usize::try_from(pref.value(r)).ok().and_then(|c| region_index.get(c)).copied().unwrap_or(REGIONS.len())
            };
            for (w, wave) in waves.iter().enumerate().take(end).skip(first) {
                let a = if birth.is_null(r) { bands - 1 } else { age_band_index(wave.1, birth.value(r)) };
                counts[cell(w, p, a, g)] += 1;
            }
        }
    }
    let (mut fy, mut prof, mut band, mut region, mut n) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (w, wave) in waves.iter().enumerate() {
        for (p, name) in professions.iter().enumerate() {
            for a in 0..bands {
                for g in 0..regions {
                    let c = counts.get(cell(w, p, a, g)).copied().unwrap_or(0);
                    if c > 0 {
                        fy.push(wave.2);
                        prof.push(name.clone());
                        band.push(AGE_BANDS.terms.get(a).map_or("不明", |t| t.0));
                        region.push(REGIONS.get(g).copied().unwrap_or("不明"));
                        n.push(c);
                    }
                }
            }
        }
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("fiscal_year", DataType::Int64, false),
        Field::new("profession", DataType::Utf8, true),
        Field::new("age_band", DataType::Utf8, false),
        Field::new("region", DataType::Utf8, false),
        Field::new("n", DataType::Int64, false),
    ]));
    Ok(RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(fy)),
            Arc::new(StringArray::from(prof)),
            Arc::new(StringArray::from(band)),
            Arc::new(StringArray::from(region)),
            Arc::new(Int64Array::from(n)),
        ],
    )?)
}

/// SQL: the frame's column for a segment of `survey --by`.
pub(crate) fn frame_segment_sql(seg: &str) -> &'static str {
    match seg {
        "profession" => "profession",
        "age_band" => "age_band",
        _ => "region",
    }
}
