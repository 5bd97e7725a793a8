//! Statistics the metrics need, implemented here (small, and checked against
//! published values in the tests): Wilson score intervals, Pearson's chi-square test,
//! a Poisson rate-ratio interval, raking (iterative proportional fitting) and
//! Kaplan–Meier survival with delayed entry.

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval for `successes` out of `n` (None when n = 0).
pub fn wilson(successes: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Pearson's chi-square test of independence on a table of counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquare {
    pub statistic: f64,
    pub dof: u64,
    pub p_value: f64,
    /// The smallest expected count (the usual caveat applies below 5).
    pub min_expected: f64,
}

/// Tests independence of rows and columns; rows or columns that are all zero are dropped.
pub fn chi_square(table: &[Vec<f64>]) -> Option<ChiSquare> {
    let cols = table.first()?.len();
    let rows: Vec<&Vec<f64>> = table.iter().filter(|r| r.iter().sum::<f64>() > 0.0).collect();
    let col_tot: Vec<f64> = (0..cols).map(|c| rows.iter().map(|r| r[c]).sum()).collect();
    let keep: Vec<usize> = (0..cols).filter(|&c| col_tot[c] > 0.0).collect();
    if rows.len() < 2 || keep.len() < 2 {
        return None;
    }
    let total: f64 = keep.iter().map(|&c| col_tot[c]).sum();
    let mut stat = 0.0;
    let mut min_expected = f64::INFINITY;
    for r in &rows {
        let rt: f64 = keep.iter().map(|&c| r[c]).sum();
        for &c in &keep {
            let e = rt * col_tot[c] / total;
            min_expected = min_expected.min(e);
            stat += (r[c] - e).powi(2) / e;
        }
    }
    let dof = ((rows.len() - 1) * (keep.len() - 1)) as u64;
    Some(ChiSquare { statistic: stat, dof, p_value: chi_square_sf(stat, dof as f64), min_expected })
}

/// The upper tail P(X ≥ x) of a chi-square distribution with `k` degrees of freedom.
pub fn chi_square_sf(x: f64, k: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    upper_gamma_regularized(k / 2.0, x / 2.0)
}

/// Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, continued fraction above.
fn upper_gamma_regularized(a: f64, x: f64) -> f64 {
    if x < a + 1.0 { 1.0 - lower_series(a, x) } else { upper_fraction(a, x) }
}

fn lower_series(a: f64, x: f64) -> f64 {
    let mut sum = 1.0 / a;
    let mut term = sum;
    let mut n = a;
    for _ in 0..10_000 {
        n += 1.0;
        term *= x / n;
        sum += term;
        if term.abs() < sum.abs() * 1e-16 {
            break;
        }
    }
    (sum.ln() - x + a * x.ln() - ln_gamma(a)).exp()
}

fn upper_fraction(a: f64, x: f64) -> f64 {
    // Lentz's method for the continued fraction of Γ(a, x).
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x + a * x.ln() - ln_gamma(a)).exp() * h
}

/// ln Γ(x) by the Lanczos approximation (g = 7, n = 9), accurate to ~1e-15.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The ratio of two Poisson counts observed over equal exposure, with a 95% interval
/// on the log scale (exp(ln(a/b) ± z·√(1/a + 1/b))). None when either count is 0.
pub fn rate_ratio(after: u64, before: u64, z: f64) -> Option<(f64, f64, f64)> {
    if after == 0 || before == 0 {
        return None;
    }
    let (a, b) = (after as f64, before as f64);
    let r = a / b;
    let se = (1.0 / a + 1.0 / b).sqrt();
    Some((r, (r.ln() - z * se).exp(), (r.ln() + z * se).exp()))
}

/// Raking: adjusts `weights` so that, for each margin, the weighted total of every
/// category equals its target. `cats[m][i]` is unit i's category index in margin m;
/// `targets[m][c]` the target of category c. Returns the number of sweeps, or None
/// when it did not converge (a unit's category has no target, or a target is
/// unreachable because no unit falls in it).
pub fn rake(
    weights: &mut [f64],
    cats: &[Vec<usize>],
    targets: &[Vec<f64>],
    tol: f64,
    max_iter: usize,
) -> Option<usize> {
    for iter in 1..=max_iter {
        let mut worst: f64 = 0.0;
        for (m, margin) in cats.iter().enumerate() {
            let mut sums = vec![0.0; targets[m].len()];
            for (i, &c) in margin.iter().enumerate() {
                *sums.get_mut(c)? += weights[i];
            }
            if sums.iter().zip(&targets[m]).any(|(&s, &t)| s == 0.0 && t > 0.0) {
                return None;
            }
            for (i, &c) in margin.iter().enumerate() {
                if sums[c] > 0.0 {
                    weights[i] *= targets[m][c] / sums[c];
                }
            }
            for (&s, &t) in sums.iter().zip(&targets[m]) {
                if t > 0.0 {
                    worst = worst.max((s - t).abs() / t);
                }
            }
        }
        if worst < tol {
            return Some(iter);
        }
    }
    None
}

/// One subject for Kaplan–Meier: entered observation at `entry`, observed until
/// `time` (same unit), with `event` true when the time is the event (a leave) and
/// false when censored. `entry > 0` is delayed entry (left truncation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subject {
    pub entry: f64,
    pub time: f64,
    pub event: bool,
    pub count: u64,
}

/// Kaplan–Meier survival at each of `at`: the product over event times t ≤ at of
/// (1 − events/at risk), where a subject is at risk at t when entry < t ≤ time.
/// None where survival is not identified: some moment in (0, at] has nobody under
/// observation (unless survival had already reached 0).
pub fn kaplan_meier(subjects: &[Subject], at: &[f64]) -> Vec<Option<f64>> {
    // At risk at t = #(entry < t) − #(time < t), from sorted, weighted arrays.
    let weighted = |mut v: Vec<(f64, u64)>| {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut cum = Vec::with_capacity(v.len());
        let mut total = 0u64;
        for (x, n) in v {
            total += n;
            cum.push((x, total));
        }
        cum
    };
    let entries = weighted(subjects.iter().map(|s| (s.entry, s.count)).collect());
    let exits = weighted(subjects.iter().map(|s| (s.time, s.count)).collect());
    let below = |cum: &[(f64, u64)], t: f64| {
        let i = cum.partition_point(|(x, _)| *x < t);
        if i == 0 { 0 } else { cum[i - 1].1 }
    };
    let mut events: Vec<(f64, u64)> =
        subjects.iter().filter(|s| s.event && s.count > 0 && s.entry < s.time).map(|s| (s.time, s.count)).collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut curve: Vec<(f64, f64)> = Vec::new();
    let mut s = 1.0;
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        let mut d = 0u64;
        while i < events.len() && events[i].0 == t {
            d += events[i].1;
            i += 1;
        }
        let at_risk = below(&entries, t).saturating_sub(below(&exits, t));
        if at_risk > 0 {
            s *= 1.0 - d as f64 / at_risk as f64;
        }
        curve.push((t, s));
    }
    // How far from 0 observation reaches without a gap.
    let mut spans: Vec<(f64, f64)> = subjects.iter().filter(|x| x.count > 0).map(|x| (x.entry, x.time)).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut covered = 0.0_f64;
    for (entry, time) in spans {
        if entry > covered {
            break;
        }
        covered = covered.max(time);
    }
    let s_at = |t_at: f64| {
        let i = curve.partition_point(|(t, _)| *t <= t_at);
        if i == 0 { 1.0 } else { curve[i - 1].1 }
    };
    at.iter()
        .map(|&t_at| {
            if covered >= t_at {
                Some(s_at(t_at))
            } else if s_at(covered) == 0.0 {
                Some(0.0)
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), Statistics in Medicine 17:857, Table I: 81/263 → 0.2553–0.3662;
        // 15/148 → 0.0624–0.1605 (method 3, score interval without continuity correction).
        let (lo, hi) = wilson(81, 263, Z95).unwrap_or_default();
        assert!(close(lo, 0.2553, 5e-5) && close(hi, 0.3662, 5e-5), "{lo} {hi}");
        let (lo, hi) = wilson(15, 148, Z95).unwrap_or_default();
        assert!(close(lo, 0.0624, 5e-5) && close(hi, 0.1605, 5e-5), "{lo} {hi}");
        // statsmodels.stats.proportion.proportion_confint(0, 10, method="wilson") = (0.0, 0.27753279986)
        let (lo, hi) = wilson(0, 10, Z95).unwrap_or_default();
        assert!(close(lo, 0.0, 1e-12) && close(hi, 0.277_532_799_86, 1e-9), "{lo} {hi}");
        assert_eq!(wilson(0, 0, Z95), None);
    }

    #[test]
    fn chi_square_matches_scipy() {
        // scipy.stats.chi2_contingency([[10, 20, 30], [6, 9, 17]], correction=False)
        // → statistic 0.27157465150403504, p 0.873028283380073, dof 2
        let r = chi_square(&[vec![10.0, 20.0, 30.0], vec![6.0, 9.0, 17.0]]).expect("test");
        assert_eq!(r.dof, 2);
        assert!(close(r.statistic, 0.271_574_651_504_035, 1e-12), "{}", r.statistic);
        assert!(close(r.p_value, 0.873_028_283_380_073, 1e-12), "{}", r.p_value);
        // scipy.stats.chi2.sf(3.84, 1) = 0.05004352124870519; chi2.sf(30, 10) = 0.000856641210775301
        assert!(close(chi_square_sf(3.84, 1.0), 0.050_043_521_248_705_19, 1e-12));
        assert!(close(chi_square_sf(30.0, 10.0), 0.000_856_641_210_775_301, 1e-14));
    }

    #[test]
    fn ln_gamma_of_integers_is_log_factorial() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-13));
        assert!(close(ln_gamma(11.0), (3_628_800f64).ln(), 1e-12));
        assert!(close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-13));
    }

    #[test]
    fn raking_reaches_both_margins() {
        // A 2×2 sample (cells a1b1, a1b2, a2b1, a2b2) = 40, 10, 20, 30 raked to margins
        // A = (70, 30), B = (40, 60). Raking keeps the sample's odds ratio (40·30)/(10·20) = 6
        // (Deming & Stephan 1940), so the a1b1 cell x solves x(x − 10) = 6(70 − x)(40 − x),
        // i.e. x² − 130x + 3360 = 0: x = (130 − √3460)/2 = 35.5890…
        let mut w = vec![1.0; 100];
        let mut ca = Vec::new();
        let mut cb = Vec::new();
        for (n, a, b) in [(40, 0, 0), (10, 0, 1), (20, 1, 0), (30, 1, 1)] {
            for _ in 0..n {
                ca.push(a);
                cb.push(b);
            }
        }
        let iters = rake(&mut w, &[ca.clone(), cb.clone()], &[vec![70.0, 30.0], vec![40.0, 60.0]], 1e-12, 1000);
        assert!(iters.is_some());
        let cell = |x: usize, y: usize| -> f64 { (0..100).filter(|&i| ca[i] == x && cb[i] == y).map(|i| w[i]).sum() };
        let expected = (130.0 - 3460.0_f64.sqrt()) / 2.0;
        assert!(close(cell(0, 0), expected, 1e-6), "{} vs {expected}", cell(0, 0));
        assert!(close(cell(0, 0) + cell(0, 1), 70.0, 1e-6) && close(cell(0, 0) + cell(1, 0), 40.0, 1e-6));
        let odds = cell(0, 0) * cell(1, 1) / (cell(0, 1) * cell(1, 0));
        assert!(close(odds, 6.0, 1e-6), "{odds}");
    }

    #[test]
    fn kaplan_meier_textbook_example() {
        // Kleinbaum & Klein, Survival Analysis, remission data (group 1, 6-MP):
        // times 6,6,6,7,10,13,16,22,23 events; 6,9,10,11,17,19,20,25,32,32,34,35 censored.
        // S(6)=0.857, S(7)=0.807, S(10)=0.753, S(13)=0.690, S(16)=0.627, S(22)=0.538, S(23)=0.448.
        let ev = [6, 6, 6, 7, 10, 13, 16, 22, 23];
        let ce = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35];
        let mut subjects: Vec<Subject> =
            ev.iter().map(|&t| Subject { entry: 0.0, time: f64::from(t), event: true, count: 1 }).collect();
        subjects.extend(ce.iter().map(|&t| Subject { entry: 0.0, time: f64::from(t), event: false, count: 1 }));
        let s = kaplan_meier(&subjects, &[6.0, 7.0, 10.0, 13.0, 16.0, 22.0, 23.0]);
        let expected = [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448];
        for (got, want) in s.iter().zip(expected) {
            assert!(close(got.unwrap_or(-1.0), want, 5e-4), "{got:?} vs {want}");
        }
    }

    #[test]
    fn kaplan_meier_is_unidentified_without_anyone_at_risk() {
        // Everyone entered observation at 5 years: survival at 1 year is unknown.
        let s = [Subject { entry: 5.0, time: 8.0, event: false, count: 10 }];
        assert_eq!(kaplan_meier(&s, &[1.0]), vec![None]);
    }

    #[test]
    fn rate_ratio_interval() {
        let (r, lo, hi) = rate_ratio(739, 457, Z95).unwrap_or_default();
        assert!(close(r, 739.0 / 457.0, 1e-12));
        let se = (1.0 / 739.0 + 1.0 / 457.0_f64).sqrt();
        assert!(close(lo, (r.ln() - Z95 * se).exp(), 1e-12) && close(hi, (r.ln() + Z95 * se).exp(), 1e-12));
        assert!(lo > 1.0, "739 vs 457 is a real rise");
    }
}
