//! The 80% rule (厚生労働省「医療広告ガイドライン」): a specialist qualification may be
//! advertised only while practitioners are at least `numerator/denominator` of the
//! certifying society's 正会員. All arithmetic is on integers: with P practitioners
//! among T 正会員 and the ratio n/d, compliance is `d·P ≥ n·T`.

use serde::Serialize;

/// The ratio as a fraction (8割 = 4/5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShareRule {
    pub numerator: u64,
    pub denominator: u64,
}

/// The outcome of the rule for one count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RuleOutcome {
    /// Compliant; `headroom` more non-practitioner 正会員 may join and stay compliant.
    Compliant { headroom: u64 },
    /// Not compliant; `practitioners_needed` more practitioners would restore it, or
    /// `moves_to_associate` non-practitioners moving from 正会員 to 準会員.
    NotCompliant { practitioners_needed: u64, moves_to_associate: u64 },
}

impl ShareRule {
    /// 8割以上: the rule as the guideline states it.
    pub const EIGHTY_PERCENT: ShareRule = ShareRule { numerator: 4, denominator: 5 };

    /// Evaluates the rule for `practitioners` among `total` 正会員.
    /// An empty society (T = 0) is compliant with zero headroom.
    pub fn evaluate(&self, practitioners: u64, total: u64) -> RuleOutcome {
        let (n, d) = (u128::from(self.numerator), u128::from(self.denominator));
        let (p, t) = (u128::from(practitioners), u128::from(total.max(practitioners)));
        let lhs = d * p; // d·P
        let rhs = n * t; // n·T
        let others = d - n; // weight a non-practitioner adds: the rule is (d-n)·P ≥ n·(T-P)
        if lhs >= rhs {
            // Adding k non-practitioners: d·P ≥ n·(T+k)  ⇔  k ≤ (d·P − n·T)/n.
            let headroom = (lhs - rhs).checked_div(n).map_or(u64::MAX, clamp);
            RuleOutcome::Compliant { headroom }
        } else {
            let gap = rhs - lhs; // n·T − d·P
            // Adding k practitioners: d·(P+k) ≥ n·(T+k) ⇔ k·(d−n) ≥ gap.
            // For 4/5 this is k ≥ 4T − 5P, exactly the guideline arithmetic.
            let practitioners_needed = if others == 0 { u64::MAX } else { clamp(gap.div_ceil(others)) };
            // Moving k non-practitioners out of 正会員: d·P ≥ n·(T−k) ⇔ k ≥ gap/n.
            let moves_to_associate = if n == 0 { 0 } else { clamp(gap.div_ceil(n)) }; // n = 0 never fails
            RuleOutcome::NotCompliant { practitioners_needed, moves_to_associate }
        }
    }

    /// The share as a float, for display only (never for the decision).
    pub fn share(practitioners: u64, total: u64) -> Option<f64> {
        (total > 0).then(|| practitioners as f64 / total as f64)
    }
}

fn clamp(v: u128) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: ShareRule = ShareRule::EIGHTY_PERCENT;

    /// Brute force: is the share at least 80% by rational comparison?
    fn ok(p: u64, t: u64) -> bool {
        t == 0 || p * 100 >= t * 80
    }

    #[test]
    fn matches_domain_formulas_exhaustively_for_small_societies() {
        for t in 0..300u64 {
            for p in 0..=t {
                match R.evaluate(p, t) {
                    RuleOutcome::Compliant { headroom } => {
                        assert!(ok(p, t), "p={p} t={t}");
                        assert_eq!(headroom, (5 * p - 4 * t) / 4);
                        // headroom is the largest k that keeps compliance
                        assert!(ok(p, t + headroom));
                        assert!(!ok(p, t + headroom + 1));
                    }
                    RuleOutcome::NotCompliant { practitioners_needed, moves_to_associate } => {
                        assert!(!ok(p, t), "p={p} t={t}");
                        assert_eq!(practitioners_needed, 4 * t - 5 * p);
                        assert_eq!(moves_to_associate, (4 * t - 5 * p).div_ceil(4));
                        let k = practitioners_needed;
                        assert!(ok(p + k, t + k) && !ok(p + k - 1, t + k - 1));
                        let m = moves_to_associate;
                        assert!(ok(p, t - m) && !ok(p, t - m + 1));
                    }
                }
            }
        }
    }

    /// Property test on large societies (random draws, fixed seed): the outcome agrees
    /// with the brute-force definition, and each remedy is the smallest that works.
    #[test]
    fn random_large_societies_agree_with_brute_force() {
        let mut state = 0x5EED_u64;
        let mut next = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        for i in 0..20_000 {
            let t = 1 + next() % 1_000_000_000;
            // Half the draws sit within a few members of the exact 80% boundary.
            let p = if i % 2 == 0 { next() % (t + 1) } else { (t * 4 / 5 + next() % 5).saturating_sub(2).min(t) };
            match R.evaluate(p, t) {
                RuleOutcome::Compliant { headroom } => {
                    assert!(ok(p, t) && ok(p, t + headroom) && !ok(p, t + headroom + 1), "p={p} t={t}");
                }
                RuleOutcome::NotCompliant { practitioners_needed: k, moves_to_associate: m } => {
                    assert!(!ok(p, t), "p={p} t={t}");
                    assert!(ok(p + k, t + k) && !ok(p + k - 1, t + k - 1), "p={p} t={t} k={k}");
                    assert!(ok(p, t - m) && !ok(p, t - m + 1), "p={p} t={t} m={m}");
                }
            }
        }
    }

    #[test]
    fn exactly_eighty_percent_is_compliant_with_no_headroom() {
        assert_eq!(R.evaluate(8, 10), RuleOutcome::Compliant { headroom: 0 });
        assert_eq!(R.evaluate(8000, 10000), RuleOutcome::Compliant { headroom: 0 });
        assert_eq!(
            R.evaluate(7999, 10000),
            RuleOutcome::NotCompliant { practitioners_needed: 5, moves_to_associate: 2 }
        );
    }
}
