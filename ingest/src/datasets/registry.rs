//! Registries: specialists, designations, hospital volumes, areas and hospitals.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Builder, Float64Builder, Int32Builder, Int64Builder, StringBuilder};
use arrow::record_batch::RecordBatch;

use super::env::{Env, RefData, Validated};
use crate::error::Result;
use crate::normalize::{self, Problem};
use crate::spec::DESIGNATIONS;
use crate::table::RawTable;
use crate::validate::{Checker, RowCheck, date32};
use model::designation::DesignationType;
use model::qualification::QUALIFICATIONS;
use store::schema;

fn dup(what: &str, first: u64) -> Problem {
    Problem::new(format!("{what}が {first} 行目と重複しています"), format!("{what} duplicates line {first}"))
}

/// Checks an area code against the loaded areas and the row's prefecture.
fn check_area(r: &mut RowCheck<'_, '_>, ci: usize, code: &str, pref: Option<i32>, refs: &RefData) {
    if let Some(p) = pref
        && code[..2].parse::<i32>().ok() != Some(p)
    {
        r.reject_at(
            ci,
            Problem::new(
                format!("構想区域コード {code} は都道府県コード {p:02} の区域ではありません"),
                format!("area {code} is not in prefecture {p:02}"),
            ),
        );
        return;
    }
    if let Some(set) = &refs.area_set
        && !refs.areas.contains_key(code)
    {
        r.reject_at(
            ci,
            Problem::new(
                format!("構想区域コード {code} は区域マスタ ({set}) にありません"),
                format!("area {code} is not in the loaded area set {set}"),
            ),
        );
    }
}

fn no_area_warning(refs: &RefData) -> Vec<String> {
    if refs.area_set.is_none() {
        vec!["区域マスタ (areas) が未登録のため構想区域コードの存在は確認していません / areas are not loaded; area codes were not checked against them".into()]
    } else {
        Vec::new()
    }
}

pub fn validate_specialists(ck: &mut Checker<'_>, table: &RawTable, env: &Env<'_>) -> Result<Validated> {
    let n = table.len();
    let mut row_no = Int64Builder::with_capacity(n);
    let (mut qual, mut cert, mut key, mut facility, mut area) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let (mut certified, mut expires) = (Date32Builder::with_capacity(n), Date32Builder::with_capacity(n));
    let (mut renewals, mut pref) = (Int32Builder::with_capacity(n), Int32Builder::with_capacity(n));
    let mut seen: HashMap<(&'static str, String), u64> = HashMap::new();
    let mut ok = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        let q = r.label(0, &QUALIFICATIONS).flatten();
        let c = r.req(1, |v| Ok(normalize::text(v).into_owned()));
        let m = r.get(2, |v| Ok(env.pseudonymiser.pseudonym(v)));
        let cd = r.date(3).flatten();
        let ex = r.date(4).flatten();
        let rn = r.req(5, normalize::count);
        let pr = r.prefecture(6);
        let f = r.text(7);
        let a = r.get(8, normalize::area_code);
        if let (Some(cd), Some(ex)) = (cd, ex)
            && ex <= cd
        {
            r.reject_at(
                4,
                Problem::new(
                    format!("有効期限 {ex} が認定日 {cd} 以前です"),
                    format!("expires {ex}, not after certification {cd}"),
                ),
            );
        }
        if let Some(Some(code)) = &a {
            let p = pr.flatten().map(|p| i32::from(p.code()));
            check_area(&mut r, 8, code, p, env.refs);
        }
        let (line, row_ok) = (r.line(), r.ok);
        let (Some(q), Some(c), Some(m), Some(cd), Some(ex), Some(rn), Some(pr), Some(f), Some(a), true) =
            (q, c, m, cd, ex, rn, pr, f, a, row_ok)
        else {
            continue;
        };
        if let Some(first) = seen.insert((q, c.clone()), line) {
            ck.reject_line(line, Some("認定番号"), Some(&c), dup("資格と認定番号", first));
            continue;
        }
        row_no.append_value(line as i64);
        qual.append_value(q);
        cert.append_value(&c);
        key.append_option(m);
        certified.append_value(date32(cd));
        expires.append_value(date32(ex));
        renewals.append_value(i32::try_from(rn).unwrap_or(i32::MAX));
        pref.append_option(pr.map(|p| i32::from(p.code())));
        facility.append_option(f);
        area.append_option(a);
        ok += 1;
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(row_no.finish()),
        Arc::new(qual.finish()),
        Arc::new(cert.finish()),
        Arc::new(key.finish()),
        Arc::new(certified.finish()),
        Arc::new(expires.finish()),
        Arc::new(renewals.finish()),
        Arc::new(pref.finish()),
        Arc::new(facility.finish()),
        Arc::new(area.finish()),
    ];
    let batch = RecordBatch::try_new(schema::SPECIALISTS.payload_schema(), cols)?;
    Ok(Validated {
        batches: vec![(&schema::SPECIALISTS, batch)],
        rows_total: n,
        rows_ok: ok,
        warnings: no_area_warning(env.refs),
        ..Default::default()
    })
}

pub fn validate_designations(ck: &mut Checker<'_>, table: &RawTable, env: &Env<'_>) -> Result<Validated> {
    let n = table.len();
    let mut row_no = Int64Builder::with_capacity(n);
    let mut pref = Int32Builder::with_capacity(n);
    let (mut hosp, mut area, mut area_name, mut desig, mut partner) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let (mut from, mut until) = (Date32Builder::with_capacity(n), Date32Builder::with_capacity(n));
    let mut seen: HashMap<(String, &'static str, i32), u64> = HashMap::new();
    let mut missing_partner = 0usize;
    let mut ok = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        let p = r.prefecture(0).flatten();
        let h = r.text(1).flatten();
        let code = r.get(2, normalize::area_code);
        let name = r.text(3);
        let d = r.req(4, |v| {
            DesignationType::parse(&normalize::text(v)).ok_or_else(|| {
                Problem::new(format!("指定類型 '{v}' が分かりません"), format!("unknown designation type '{v}'"))
            })
        });
        let f = r.date(5).flatten();
        let u = r.date(6);
        let pt = r.text(7);
        let pc = p.map(|p| i32::from(p.code()));
        // Resolve the area: code, or name through the loaded areas.
        let mut resolved: Option<String> = None;
        match (&code, &name) {
            (Some(Some(c)), _) => {
                check_area(&mut r, 2, c, pc, env.refs);
                resolved = Some(c.clone());
            }
            (Some(None), Some(Some(nm))) => {
                match pc.and_then(|p| env.refs.area_by_name.get(&(p, nm.clone()))) {
                    Some(c) => resolved = Some(c.clone()),
                    None => {
                        r.reject_at(
                            3,
                        Problem::new(
                            format!("二次医療圏名 '{nm}' を区域マスタで見つけられません (構想区域コードを入れてください)"),
                            format!("area name '{nm}' is not in the loaded areas; give the area code"),
                        ),
                    );
                    }
                }
            }
            (Some(None), Some(None)) => r.reject(
                Some(&DESIGNATIONS.columns[2]),
                "",
                Problem::new(
                    "構想区域コードか二次医療圏名のどちらかが必要です",
                    "an area code or area name is required",
                ),
            ),
            _ => {}
        }
        if let (Some(f), Some(Some(u))) = (f, u)
            && u < f
        {
            r.reject_at(
                6,
                Problem::new(
                    format!("指定終了日 {u} が指定開始日 {f} より前です"),
                    format!("ends {u}, before it starts {f}"),
                ),
            );
        }
        let (line, row_ok) = (r.line(), r.ok);
        let (Some(pc), Some(h), Some(d), Some(f), Some(u), Some(pt), Some(name), true) =
            (pc, h, d, f, u, pt, name, row_ok)
        else {
            continue;
        };
        if let Some(first) = seen.insert((h.clone(), d.label(), date32(f)), line) {
            ck.reject_line(line, Some("医療機関名"), Some(&h), dup("医療機関名・指定類型・指定開始日", first));
            continue;
        }
        if d.is_regional_cancer_hospital() && pt.is_none() {
            missing_partner += 1;
        }
        row_no.append_value(line as i64);
        pref.append_value(pc);
        hosp.append_value(&h);
        area.append_option(resolved);
        area_name.append_option(name);
        desig.append_value(d.label());
        from.append_value(date32(f));
        until.append_option(u.map(date32));
        partner.append_option(pt);
        ok += 1;
    }
    let mut warnings = no_area_warning(env.refs);
    if missing_partner > 0 {
        warnings.push(format!(
            "地域がん診療病院 {missing_partner} 件に連携先拠点病院がありません / {missing_partner} 地域がん診療病院 rows have no partner hub"
        ));
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(row_no.finish()),
        Arc::new(pref.finish()),
        Arc::new(hosp.finish()),
        Arc::new(area.finish()),
        Arc::new(area_name.finish()),
        Arc::new(desig.finish()),
        Arc::new(from.finish()),
        Arc::new(until.finish()),
        Arc::new(partner.finish()),
    ];
    let batch = RecordBatch::try_new(schema::DESIGNATIONS.payload_schema(), cols)?;
    Ok(Validated {
        batches: vec![(&schema::DESIGNATIONS, batch)],
        rows_total: n,
        rows_ok: ok,
        warnings,
        ..Default::default()
    })
}

pub fn validate_volumes(ck: &mut Checker<'_>, table: &RawTable, env: &Env<'_>) -> Result<Validated> {
    let n = table.len();
    let mut row_no = Int64Builder::with_capacity(n);
    let (mut hosp, mut area) = (StringBuilder::new(), StringBuilder::new());
    let mut fy = Int32Builder::with_capacity(n);
    let mut counts: Vec<Int32Builder> = (0..4).map(|_| Int32Builder::with_capacity(n)).collect();
    let (mut palliative, mut consult) = (Int32Builder::with_capacity(n), Int32Builder::with_capacity(n));
    let mut share = Float64Builder::with_capacity(n);
    let mut seen: HashMap<(String, String, i32), u64> = HashMap::new();
    let mut ok = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        let h = r.text(0).flatten();
        let a = r.req(1, normalize::area_code);
        if let Some(code) = &a {
            check_area(&mut r, 1, code, None, env.refs);
        }
        let y = r.req(2, normalize::fiscal_year);
        let vs: Vec<Option<Option<i64>>> = (3..7).map(|ci| r.get(ci, normalize::count)).collect();
        let pal = r.get(7, normalize::count);
        let sh = r.get(8, normalize::decimal);
        let con = r.get(9, normalize::count);
        let (line, row_ok) = (r.line(), r.ok);
        let (Some(h), Some(a), Some(y), Some(pal), Some(sh), Some(con), true) = (h, a, y, pal, sh, con, row_ok) else {
            continue;
        };
        if vs.iter().any(Option::is_none) {
            continue;
        }
        if let Some(first) = seen.insert((h.clone(), a.clone(), y), line) {
            ck.reject_line(line, Some("医療機関名"), Some(&h), dup("医療機関名・年度", first));
            continue;
        }
        row_no.append_value(line as i64);
        hosp.append_value(&h);
        area.append_value(&a);
        fy.append_value(y);
        for (b, v) in counts.iter_mut().zip(vs) {
            b.append_option(v.flatten().map(|v| i32::try_from(v).unwrap_or(i32::MAX)));
        }
        palliative.append_option(pal.map(|v| i32::try_from(v).unwrap_or(i32::MAX)));
        share.append_option(sh);
        consult.append_option(con.map(|v| i32::try_from(v).unwrap_or(i32::MAX)));
        ok += 1;
    }
    let mut cols: Vec<ArrayRef> =
        vec![Arc::new(row_no.finish()), Arc::new(hosp.finish()), Arc::new(area.finish()), Arc::new(fy.finish())];
    cols.extend(counts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    // area_name, designation and application come only with the ministry's 現況報告.
    let rows = cols[0].len();
    cols.extend((0..3).map(|_| arrow::array::new_null_array(&arrow::datatypes::DataType::Utf8, rows)));
    cols.extend([
        Arc::new(palliative.finish()) as ArrayRef,
        Arc::new(share.finish()) as ArrayRef,
        Arc::new(consult.finish()) as ArrayRef,
    ]);
    let batch = RecordBatch::try_new(schema::HOSPITAL_VOLUMES.payload_schema(), cols)?;
    Ok(Validated {
        batches: vec![(&schema::HOSPITAL_VOLUMES, batch)],
        rows_total: n,
        rows_ok: ok,
        warnings: no_area_warning(env.refs),
        ..Default::default()
    })
}

pub fn validate_areas(ck: &mut Checker<'_>, table: &RawTable) -> Result<Validated> {
    let n = table.len();
    let mut row_no = Int64Builder::with_capacity(n);
    let (mut set, mut code, mut name) = (StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut pref = Int32Builder::with_capacity(n);
    let mut pop = Int64Builder::with_capacity(n);
    let mut km2 = Float64Builder::with_capacity(n);
    let (mut parts, mut note) = (StringBuilder::new(), StringBuilder::new());
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let mut ok = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        let s = r.req(0, |v| Ok(normalize::text(v).into_owned()));
        let p = r.prefecture(1).flatten();
        let c = r.req(2, normalize::area_code);
        let nm = r.text(3).flatten();
        let po = r.get(4, normalize::count);
        let k = r.get(5, normalize::decimal);
        let pa = r.text(6);
        let no = r.text(7);
        if let (Some(p), Some(c)) = (p, &c) {
            check_area(&mut r, 2, c, Some(i32::from(p.code())), &RefData::default());
        }
        if let (Some(p), Some(Some(list))) = (p, &pa) {
            for part in list.split(';').map(str::trim) {
                let code_like = !part.is_empty() && part.chars().all(|c| c.is_ascii_digit());
                if part.is_empty() || (code_like && (part.len() != 4 || part[..2] != format!("{:02}", p.code()))) {
                    r.reject_at(
                        6,
                        Problem::new(
                            format!("構成区域の「{part}」は都道府県コード {:02} の構想区域コード (4 桁) か市区町村名ではありません", p.code()),
                            format!("part {part:?} is neither a 4-digit area code of prefecture {:02} nor a municipality", p.code()),
                        ),
                    );
                    break;
                }
            }
        }
        let (line, row_ok) = (r.line(), r.ok);
        let (Some(s), Some(p), Some(c), Some(nm), Some(po), Some(k), Some(pa), Some(no), true) =
            (s, p, c, nm, po, k, pa, no, row_ok)
        else {
            continue;
        };
        if let Some(first) = seen.insert((s.clone(), c.clone()), line) {
            ck.reject_line(line, Some("構想区域コード"), Some(&c), dup("区域年度と構想区域コード", first));
            continue;
        }
        row_no.append_value(line as i64);
        set.append_value(&s);
        pref.append_value(i32::from(p.code()));
        code.append_value(&c);
        name.append_value(&nm);
        pop.append_option(po);
        km2.append_option(k);
        parts.append_option(pa.map(|l| l.split(';').map(str::trim).collect::<Vec<_>>().join(";")));
        note.append_option(no);
        ok += 1;
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(row_no.finish()),
        Arc::new(set.finish()),
        Arc::new(pref.finish()),
        Arc::new(code.finish()),
        Arc::new(name.finish()),
        Arc::new(pop.finish()),
        Arc::new(km2.finish()),
        Arc::new(parts.finish()),
        Arc::new(note.finish()),
    ];
    let batch = RecordBatch::try_new(schema::AREAS.payload_schema(), cols)?;
    Ok(Validated { batches: vec![(&schema::AREAS, batch)], rows_total: n, rows_ok: ok, ..Default::default() })
}

pub fn validate_hospitals(ck: &mut Checker<'_>, table: &RawTable, env: &Env<'_>) -> Result<Validated> {
    let n = table.len();
    let mut row_no = Int64Builder::with_capacity(n);
    let (mut set, mut code, mut name, mut muni) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut pref = Int32Builder::with_capacity(n);
    let mut ok = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        let s = r.req(0, |v| Ok(normalize::text(v).into_owned()));
        let p = r.prefecture(1).flatten();
        let c = r.req(2, normalize::area_code);
        if let (Some(p), Some(c)) = (p, &c) {
            check_area(&mut r, 2, c, Some(i32::from(p.code())), env.refs);
        }
        let h = r.text(3).flatten();
        let m = r.text(4);
        let (line, row_ok) = (r.line(), r.ok);
        let (Some(s), Some(p), Some(c), Some(h), Some(m), true) = (s, p, c, h, m, row_ok) else { continue };
        row_no.append_value(line as i64);
        set.append_value(&s);
        pref.append_value(i32::from(p.code()));
        code.append_value(&c);
        name.append_value(&h);
        muni.append_option(m);
        ok += 1;
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(row_no.finish()),
        Arc::new(set.finish()),
        Arc::new(pref.finish()),
        Arc::new(code.finish()),
        Arc::new(name.finish()),
        Arc::new(muni.finish()),
    ];
    let batch = RecordBatch::try_new(schema::HOSPITALS.payload_schema(), cols)?;
    Ok(Validated {
        batches: vec![(&schema::HOSPITALS, batch)],
        rows_total: n,
        rows_ok: ok,
        warnings: no_area_warning(env.refs),
        ..Default::default()
    })
}
