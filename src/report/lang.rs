//! The language of what a person reads: Dutch by default (boards and financiers of Dutch care
//! networks work in Dutch), English on request. Number formats follow the language (Dutch
//! `1.234,5` and `€ 1,2 mln`; English `1,234.5` and `EUR 1.2 mln`). Metric names in CSV and
//! JSON are identifiers and stay English.

use std::fmt;
use std::str::FromStr;

/// A report's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Nl,
    En,
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s {
            "nl" => Ok(Lang::Nl),
            "en" => Ok(Lang::En),
            other => Err(format!(
                "unknown language `{}`; use nl or en",
                other.chars().take(32).collect::<String>()
            )),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        })
    }
}

impl Lang {
    /// The Dutch or the English of a text.
    pub fn pick<'a>(self, nl: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }

    /// `x` with `decimals` decimals and thousands grouped: `1.234,5` (nl), `1,234.5` (en).
    /// Not finite: a dash.
    pub fn number(self, x: f64, decimals: usize) -> String {
        if !x.is_finite() {
            return "–".into();
        }
        let text = format!("{:.*}", decimals, x.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let (group, point) = match self {
            Lang::Nl => ('.', ','),
            Lang::En => (',', '.'),
        };
        let mut out = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(group);
            }
            out.push(c);
        }
        if !fraction.is_empty() {
            out.push(point);
            out.push_str(fraction);
        }
        // No "-0": a value that rounds to zero has no sign.
        let zero = out.chars().all(|c| matches!(c, '0' | '.' | ','));
        if x < 0.0 && !zero {
            format!("−{out}")
        } else {
            out
        }
    }

    /// Euros as a board reads them: millions with one decimal, billions from 1 bn, below half
    /// a million to the hundred euros. `€ 1,2 mln` / `EUR 1.2 mln`.
    pub fn eur(self, x: f64) -> String {
        let sign = self.pick("€", "EUR");
        if !x.is_finite() {
            return "–".into();
        }
        if x.abs() < 0.5e6 {
            return format!("{sign} {}", self.number((x / 100.0).round() * 100.0, 0));
        }
        let (scaled, unit) = if x.abs() >= 1e9 {
            (x / 1e9, self.pick("mld", "bn"))
        } else {
            (x / 1e6, "mln")
        };
        format!("{sign} {} {unit}", self.number(scaled, 1))
    }

    /// A share as a whole percentage: `12 %`.
    pub fn percent(self, share: f64) -> String {
        format!("{} %", self.number(share * 100.0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::Lang::{En, Nl};

    #[test]
    fn dutch_and_english_numbers_by_hand() {
        assert_eq!(Nl.number(1234.5, 1), "1.234,5");
        assert_eq!(En.number(1234.5, 1), "1,234.5");
        assert_eq!(Nl.number(1_234_567.0, 0), "1.234.567");
        assert_eq!(En.number(-987.0, 0), "−987");
        assert_eq!(Nl.number(-0.04, 1), "0,0");
        assert_eq!(Nl.number(f64::NAN, 0), "–");
    }

    #[test]
    fn euros_as_a_board_reads_them() {
        assert_eq!(Nl.eur(1_234_000.0), "€ 1,2 mln");
        assert_eq!(En.eur(1_234_000.0), "EUR 1.2 mln");
        assert_eq!(Nl.eur(2_500_000_000.0), "€ 2,5 mld");
        assert_eq!(En.eur(2_500_000_000.0), "EUR 2.5 bn");
        assert_eq!(Nl.eur(37_649.0), "€ 37.600");
        assert_eq!(Nl.eur(-4_600_000.0), "€ −4,6 mln");
        assert_eq!(Nl.percent(0.126), "13 %");
    }

    #[test]
    fn a_language_is_nl_or_en() {
        assert_eq!("nl".parse::<super::Lang>(), Ok(Nl));
        assert_eq!("en".parse::<super::Lang>(), Ok(En));
        assert!(
            "de".parse::<super::Lang>()
                .unwrap_err()
                .contains("nl or en")
        );
    }
}
