//! A synthetic membership: joins, leaves, category changes and moves, month by
//! month from the society's founding. A feedback controller on the profession of
//! 正会員 joins keeps the physician share hovering just above 80%, with designed
//! dips under it (2019 and 2022) so that the alert has history to show.

use chrono::{Datelike, Months, NaiveDate};

use super::rng::Rng;
use model::membership::{ASSOCIATE_MEMBER, FULL_MEMBER, PHYSICIAN};

#[derive(Debug, Clone)]
pub struct Person {
    pub member_no: String,
    pub profession: &'static str,
    pub birth_year: i32,
    pub sex: &'static str,
    pub joined: NaiveDate,
    pub left: Option<NaiveDate>,
    /// Category from each date on (first entry = at joining).
    pub categories: Vec<(NaiveDate, &'static str)>,
    /// Prefecture code from each date on.
    pub prefectures: Vec<(NaiveDate, u8)>,
}

impl Person {
    pub fn category_at(&self, d: NaiveDate) -> &'static str {
        self.categories.iter().rev().find(|(from, _)| *from <= d).map_or(self.categories[0].1, |c| c.1)
    }

    pub fn prefecture_at(&self, d: NaiveDate) -> u8 {
        self.prefectures.iter().rev().find(|(from, _)| *from <= d).map_or(self.prefectures[0].1, |c| c.1)
    }

    pub fn active_at(&self, d: NaiveDate) -> bool {
        self.joined <= d && self.left.is_none_or(|l| l > d)
    }
}

/// The society's founding month and the sample's "today".
pub fn founding() -> NaiveDate {
    ymd(2002, 4, 1)
}

pub fn today() -> NaiveDate {
    ymd(2026, 10, 31)
}

pub fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Target physician share among 正会員 for a month (the controller follows it).
fn target_share(m: NaiveDate) -> f64 {
    let months = f64::from((m.year() - 2002) * 12 + m.month0() as i32);
    let base = 0.8065 + 0.0025 * (months / 31.0 * std::f64::consts::TAU).sin();
    let in_range = |a: NaiveDate, b: NaiveDate| m >= a && m <= b;
    if in_range(ymd(2019, 6, 1), ymd(2019, 12, 1)) {
        0.7955
    } else if in_range(ymd(2022, 9, 1), ymd(2023, 1, 1)) {
        0.7965
    } else if m >= ymd(2026, 1, 1) {
        0.8035
    } else {
        base
    }
}

/// Mean joins per month (before scaling).
fn join_rate(m: NaiveDate, day_from: u32) -> f64 {
    if m < ymd(2004, 4, 1) {
        190.0
    } else if m < ymd(2010, 4, 1) {
        95.0
    } else if m < ymd(2026, 1, 1) {
        // slowly falling interest: membership "slightly decreasing"
        58.0 - f64::from(m.year() - 2010) * 0.6
    } else if m == ymd(2026, 1, 1) {
        // the 協議員 recommendation was abolished on 2026-01-17
        let before = f64::from(day_from.min(16)) / 31.0;
        49.0 * before + 78.0 * (1.0 - before)
    } else {
        78.0
    }
}

const NON_PHYSICIAN_FULL: [(&str, f64); 6] = [
    ("薬剤師", 0.34),
    ("看護師", 0.30),
    ("その他医療職", 0.14),
    ("歯科医師", 0.08),
    ("研究者", 0.10),
    ("その他", 0.04),
];

const ASSOCIATE: [(&str, f64); 4] = [("薬剤師", 0.36), ("看護師", 0.36), ("その他医療職", 0.20), ("研究者", 0.08)];

/// Simulates the membership from founding to [`today`].
pub fn simulate(rng: &mut Rng, scale: u32, pref_weights: &[f64; 48]) -> Vec<Person> {
    let scale = f64::from(scale.max(1));
    let months: Vec<NaiveDate> = std::iter::successors(Some(founding()), |m| m.checked_add_months(Months::new(1)))
        .take_while(|m| *m <= today())
        .collect();
    let n_months = months.len();
    let month_index = |d: NaiveDate| ((d.year() - 2002) * 12 + d.month0() as i32 - 3) as usize;
    // Events per month: (person, new category) or leave (None).
    let mut events: Vec<Vec<(usize, Option<&'static str>)>> = vec![Vec::new(); n_months + 1];
    let mut people: Vec<Person> = Vec::new();
    let (mut full, mut full_phys) = (0i64, 0i64);
    let strategy = ymd(2021, 4, 1);
    for (mi, &m) in months.iter().enumerate() {
        // Apply this month's events (leaves and category changes) to the counts.
        for (p, ev) in std::mem::take(&mut events[mi]) {
            let person = &people[p];
            let is_phys = person.profession == PHYSICIAN;
            let before = person.category_at(m - chrono::Days::new(1));
            let after = ev;
            if before == FULL_MEMBER {
                full -= 1;
                if is_phys {
                    full_phys -= 1;
                }
            }
            if after == Some(FULL_MEMBER) {
                full += 1;
                if is_phys {
                    full_phys += 1;
                }
            }
        }
        let days = days_in_month(m);
        let share = if full > 0 { full_phys as f64 / full as f64 } else { 0.85 };
        let target = target_share(m);
        let f = (target + 120.0 * (target - share)).clamp(0.1, 1.0);
        let n_joins = rng.poisson(join_rate(m, 1) * scale);
        for _ in 0..n_joins {
            let mut day = 1 + rng.below(u64::from(days)) as u32;
            if m == ymd(2026, 1, 1) && rng.chance(0.62) {
                day = 17 + rng.below(15) as u32; // most January 2026 joins came after the abolition
            }
            let joined = ymd(m.year(), m.month(), day.min(days));
            let r = rng.f64();
            let (category, profession): (&'static str, &'static str) = if r < 0.86 {
                if rng.chance(f) {
                    (FULL_MEMBER, PHYSICIAN)
                } else {
                    let w: Vec<f64> = NON_PHYSICIAN_FULL.iter().map(|x| x.1).collect();
                    (FULL_MEMBER, NON_PHYSICIAN_FULL[rng.weighted(&w)].0)
                }
            } else if r < 0.975 {
                let w: Vec<f64> = ASSOCIATE.iter().map(|x| x.1).collect();
                (ASSOCIATE_MEMBER, ASSOCIATE[rng.weighted(&w)].0)
            } else if r < 0.995 {
                ("賛助会員", "企業")
            } else {
                ("特別会員", if rng.chance(0.5) { PHYSICIAN } else { "研究者" })
            };
            let is_phys = profession == PHYSICIAN;
            let age = if is_phys { 27 + rng.poisson(9.0) as i32 } else { 24 + rng.poisson(12.0) as i32 };
            let birth_year = joined.year() - age;
            let female = match profession {
                "看護師" => 0.9,
                "薬剤師" => 0.55,
                PHYSICIAN => 0.22 + 0.01 * f64::from((joined.year() - 2002).max(0)),
                _ => 0.5,
            };
            let sex = if rng.chance(female) { "女性" } else { "男性" };
            let pref = pick_pref(rng, pref_weights);
            let idx = people.len();
            let mut person = Person {
                member_no: format!("M{:07}", idx + 1),
                profession,
                birth_year,
                sex,
                joined,
                left: None,
                categories: vec![(joined, category)],
                prefectures: vec![(joined, pref)],
            };
            // Lifetime: geometric, monthly hazard by profession.
            let hazard = if is_phys { 0.0042 } else { 0.0068 };
            let life = geometric(rng, hazard);
            let leave_mi = mi + 1 + life;
            if leave_mi < n_months {
                let lm = months[leave_mi];
                let ld = ymd(lm.year(), lm.month(), 1 + rng.below(u64::from(days_in_month(lm))) as u32);
                person.left = Some(ld);
                events[leave_mi].push((idx, None));
            }
            let end_mi = leave_mi.min(n_months);
            // Category changes: non-physician 正会員 moved to 準会員 under the 2021 strategy;
            // senior physicians made 名誉会員.
            if category == FULL_MEMBER && !is_phys {
                let start = month_index(strategy.max(joined)).max(mi + 1);
                let at = start + geometric(rng, 0.0035);
                if at < end_mi {
                    let d = months[at];
                    person.categories.push((d, ASSOCIATE_MEMBER));
                    events[at].push((idx, Some(ASSOCIATE_MEMBER)));
                }
            } else if category == FULL_MEMBER && is_phys {
                let senior = ymd(birth_year + 66, 4, 1).max(joined);
                let start = if senior > today() { n_months } else { month_index(senior).max(mi + 1) };
                let at = start.saturating_add(geometric(rng, 0.004));
                if at < end_mi {
                    let d = months[at];
                    person.categories.push((d, "名誉会員"));
                    events[at].push((idx, Some("名誉会員")));
                }
            }
            // One move of workplace prefecture for some members.
            if rng.chance(0.18) {
                let at = mi + 1 + rng.below(((end_mi.saturating_sub(mi + 1)).max(1)) as u64) as usize;
                if at < end_mi {
                    let to = pick_pref(rng, pref_weights);
                    if to != pref {
                        person.prefectures.push((months[at] + chrono::Days::new(rng.below(27)), to));
                    }
                }
            }
            if category == FULL_MEMBER {
                full += 1;
                if is_phys {
                    full_phys += 1;
                }
            }
            people.push(person);
        }
    }
    people
}

fn geometric(rng: &mut Rng, p: f64) -> usize {
    let u = rng.f64().max(1e-12);
    (u.ln() / (1.0 - p).ln()).floor() as usize
}

fn pick_pref(rng: &mut Rng, w: &[f64; 48]) -> u8 {
    rng.weighted(w) as u8
}

pub fn days_in_month(m: NaiveDate) -> u32 {
    let next = m.checked_add_months(Months::new(1)).unwrap_or(m);
    (ymd(next.year(), next.month(), 1) - ymd(m.year(), m.month(), 1)).num_days() as u32
}

/// The physician share among 正会員 on a date, from the simulated truth.
pub fn true_share(people: &[Person], d: NaiveDate) -> (u64, u64) {
    let mut p = 0;
    let mut t = 0;
    for x in people.iter().filter(|x| x.active_at(d) && x.category_at(d) == FULL_MEMBER) {
        t += 1;
        if x.profession == PHYSICIAN {
            p += 1;
        }
    }
    (p, t)
}
