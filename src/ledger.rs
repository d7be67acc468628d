//! Balanced money movements with their reasons.
//!
//! Rules move money only through the ledger, one transfer at a time, from one account to
//! another: what one account loses another gains. Amounts are kept in whole cents, so the sum
//! of all balances is exactly zero in every run — `ledger.imbalance` is a check, not a rounding
//! artefact. Accounts are the partners, named funds (`fund:transition`, `fund:friction`) and
//! `outside` (parties outside the network).
//!
//! Every transfer is one entry: accounts, amount, the rule file and line that made it, the
//! reason, the run and the year. Entries are kept for one traced run (`kloof explain`, rule
//! tests); for all other runs only balances and yearly flows are kept, so memory does not grow
//! with the number of transfers.

use serde::Serialize;

/// Accounts besides the partners and funds: where money from outside the network comes from
/// and goes to, and where intervention spending goes. No partner may carry these ids.
pub const OUTSIDE: &str = "outside";
pub const INTERVENTIONS: &str = "interventions";
/// Funds are accounts written `fund:<name>`.
pub const FUND_PREFIX: &str = "fund:";

/// Where a transfer was made: rule file and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub rule: String,
    pub line: usize,
}

/// One transfer in the traced run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub run: u64,
    pub year: i32,
    pub origin: Origin,
    pub reason: String,
    pub from: String,
    pub to: String,
    /// EUR, rounded to cents.
    pub amount: f64,
    /// Balances of `from` and `to` before and after the transfer, EUR.
    pub from_before: f64,
    pub from_after: f64,
    pub to_before: f64,
    pub to_after: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LedgerError {
    #[error(
        "unknown account `{0}`; accounts are partner ids, `outside` and funds written `fund:<name>`"
    )]
    UnknownAccount(String),
    #[error("a transfer needs two different accounts, got `{0}` twice")]
    SameAccount(String),
    #[error("amount {amount} in run {run} is not a finite number of euros >= 0")]
    BadAmount { run: u64, amount: f64 },
    #[error(
        "amount {amount} in run {run} is above the largest transfer, EUR {}",
        MAX_TRANSFER_EUR
    )]
    TooLarge { run: u64, amount: f64 },
    #[error("the balance of `{account}` in run {run} would leave the range the ledger can hold")]
    Overflow { account: String, run: u64 },
    #[error(
        "`{fund}` holds EUR {balance:.2} in run {run}: paying EUR {amount:.2} out of it would \
         overdraw it{}",
        overdraft_hint(*overdraft)
    )]
    Overdrawn {
        fund: String,
        run: u64,
        balance: f64,
        amount: f64,
        /// The overdraft the rules declared for the fund, EUR.
        overdraft: f64,
    },
    #[error(
        "EUR {amount:.2} from `outside` to `{to}` in run {run}: money from outside the network \
         would show as savings; if the agreement really brings it in, allow it in the scenario \
         with `allow: [money_from_outside]` in this rule's params"
    )]
    FromOutside { to: String, run: u64, amount: f64 },
    #[error(
        "EUR {amount:.2} from `interventions` to `{to}` in run {run}: intervention spending has \
         left the network; if the agreement really claws it back, allow it in the scenario with \
         `allow: [withdrawals_from_interventions]` in this rule's params"
    )]
    FromInterventions { to: String, run: u64, amount: f64 },
    #[error(
        "EUR {amount} back from `interventions` to `{to}` in run {run}, where only EUR {spent} \
         was spent on interventions bought outside the network and not yet taken back: money \
         that was never spent there would read as a saving"
    )]
    BeyondSpent {
        to: String,
        run: u64,
        amount: f64,
        spent: f64,
    },
    #[error("overdraft of EUR {amount} for `{account}` in run {run}: {reason}")]
    BadOverdraft {
        account: String,
        run: u64,
        amount: f64,
        reason: &'static str,
    },
}

/// The end of an [`LedgerError::Overdrawn`] message: the declared limit, or how to declare one.
fn overdraft_hint(overdraft: f64) -> String {
    if overdraft > 0.0 {
        format!(" beyond its overdraft of EUR {overdraft:.2}")
    } else {
        " (a rule that means to borrow declares it first: `allow_overdraft(fund, limit)`)"
            .to_string()
    }
}

/// What the scenario allows a rule beyond moving money among partners and funds: both are
/// refused by default, because either makes money appear in the network that nobody in it
/// paid (a rule paying EUR 1 bn from `outside` once showed as savings in 100 % of runs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowances {
    /// Transfers from `outside` to a partner, a fund or `interventions`.
    pub money_from_outside: bool,
    /// Transfers out of `interventions` (money already spent on interventions).
    pub withdrawals_from_interventions: bool,
}

impl Allowances {
    /// The names a scenario writes in a rule's `allow:` list.
    pub const NAMES: [&str; 2] = ["money_from_outside", "withdrawals_from_interventions"];

    /// Allows what `name` (one of [`Allowances::NAMES`]) names; `false` for another name.
    pub fn allow(&mut self, name: &str) -> bool {
        match name {
            "money_from_outside" => self.money_from_outside = true,
            "withdrawals_from_interventions" => self.withdrawals_from_interventions = true,
            _ => return false,
        }
        true
    }
}

/// How far a fund may go below zero (or below its overdraft) without a declaration, in cents:
/// a rule that splits one amount into several payments in and out of a fund rounds each to
/// the cent, and the rounded parts may differ from the whole by a few cents.
pub const ROUNDING_CENTS: i64 = 100;

/// The largest single transfer, EUR 10 trillion: a hundred times all Dutch care spending in a
/// year. Far below what whole cents in an `i64` hold (about EUR 9.2e16), so that balances can
/// take many such transfers before the checked sums refuse one.
pub const MAX_TRANSFER_EUR: f64 = 1e13;

/// Balances and yearly flows of every account in every run of a batch.
#[derive(Debug, Clone)]
pub struct Ledger {
    accounts: Vec<String>,
    first_run: u64,
    len: usize,
    /// `[account][run]`, cents.
    balance: Vec<Vec<i64>>,
    /// Paid out and received this year, `[account][run]`, cents.
    paid: Vec<Vec<i64>>,
    received: Vec<Vec<i64>>,
    /// How far below zero each account may go in a rule's transfer, `[account][run]`, cents;
    /// checked for funds only (partners' balances are their net payments, often negative).
    overdraft: Vec<Vec<i64>>,
    /// The run whose entries are kept, and its entries.
    traced: Option<u64>,
    entries: Vec<Entry>,
    /// Per rule (its origin's file) that moved money this year: what it moved, `[run]`, cents.
    /// A clause that moves nothing in any run is worth telling a board about.
    by_rule: Vec<(String, Vec<i64>)>,
}

fn cents(eur: f64) -> i64 {
    (eur * 100.0).round() as i64
}

fn eur(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Amount for run `b`: one amount for every run, or one per run.
/// A list of the wrong length gives NaN for the runs it lacks, refused as a bad amount.
fn at(amounts: &[f64], b: usize) -> f64 {
    match amounts {
        [one] => *one,
        _ => amounts.get(b).copied().unwrap_or(f64::NAN),
    }
}

impl Ledger {
    /// A ledger for runs `first_run..first_run + len` with the given accounts, all at zero.
    pub fn new(accounts: Vec<String>, first_run: u64, len: usize, traced: Option<u64>) -> Ledger {
        let zeros = || vec![vec![0i64; len]; accounts.len()];
        Ledger {
            balance: zeros(),
            paid: zeros(),
            received: zeros(),
            overdraft: zeros(),
            accounts,
            first_run,
            len,
            traced,
            entries: Vec::new(),
            by_rule: Vec::new(),
        }
    }

    pub fn accounts(&self) -> &[String] {
        &self.accounts
    }

    /// Opens a named fund (`fund:<name>`) if it is not there yet.
    pub fn open_fund(&mut self, name: &str) -> usize {
        let account = format!("{FUND_PREFIX}{name}");
        if let Some(i) = self.accounts.iter().position(|a| *a == account) {
            return i;
        }
        self.accounts.push(account);
        for t in [
            &mut self.balance,
            &mut self.paid,
            &mut self.received,
            &mut self.overdraft,
        ] {
            t.push(vec![0; self.len]);
        }
        self.accounts.len() - 1
    }

    pub fn account(&self, name: &str) -> Result<usize, LedgerError> {
        self.accounts
            .iter()
            .position(|a| a == name)
            .ok_or_else(|| LedgerError::UnknownAccount(name.to_string()))
    }

    /// Moves `amounts[b]` euros (rounded to cents) from `from` to `to` in every run `b`.
    ///
    /// This is kloof's own bookkeeping (contributions, intervention spending); a rule's
    /// transfers go through [`Ledger::transfer_by_rule`], which also guards funds and sinks.
    pub fn transfer(
        &mut self,
        from: &str,
        to: &str,
        amounts: &[f64],
        year: i32,
        origin: &Origin,
        reason: &str,
    ) -> Result<(), LedgerError> {
        self.move_money(from, to, amounts, year, origin, reason, None)
    }

    /// A transfer a rule makes: as [`Ledger::transfer`], and refused when it would take a
    /// fund below zero beyond its declared overdraft (and [`ROUNDING_CENTS`]), or move money
    /// out of `outside` or `interventions` where `allowed` does not say so.
    #[allow(clippy::too_many_arguments)]
    pub fn transfer_by_rule(
        &mut self,
        from: &str,
        to: &str,
        amounts: &[f64],
        year: i32,
        origin: &Origin,
        reason: &str,
        allowed: Allowances,
    ) -> Result<(), LedgerError> {
        self.move_money(from, to, amounts, year, origin, reason, Some(allowed))
    }

    /// Lets a fund go up to `amounts[b]` euros below zero in run `b` from now on (a rule's
    /// declared overdraft). Only funds have one: other accounts are not guarded.
    pub fn set_overdraft(&mut self, fund: &str, amounts: &[f64]) -> Result<(), LedgerError> {
        let f = self.account(fund)?;
        let mut limits = Vec::with_capacity(self.len);
        for b in 0..self.len {
            let (amount, run) = (at(amounts, b), self.first_run + b as u64);
            let bad = |reason| LedgerError::BadOverdraft {
                account: fund.to_string(),
                run,
                amount,
                reason,
            };
            if !fund.starts_with(FUND_PREFIX) {
                return Err(bad("only funds (`fund:<name>`) have an overdraft"));
            }
            if !amount.is_finite() || amount < 0.0 {
                return Err(bad("it must be a finite number of euros >= 0"));
            }
            if amount > MAX_TRANSFER_EUR {
                return Err(bad("it is above the largest transfer, EUR 1e13"));
            }
            limits.push(cents(amount));
        }
        self.overdraft[f] = limits;
        Ok(())
    }

    /// The checks of every run, then the transfer. `rule` is what a rule is allowed, or `None`
    /// for kloof's own bookkeeping.
    #[allow(clippy::too_many_arguments)]
    fn move_money(
        &mut self,
        from: &str,
        to: &str,
        amounts: &[f64],
        year: i32,
        origin: &Origin,
        reason: &str,
        rule: Option<Allowances>,
    ) -> Result<(), LedgerError> {
        let (f, t) = (self.account(from)?, self.account(to)?);
        if f == t {
            return Err(LedgerError::SameAccount(from.to_string()));
        }
        // Zero in every run (one amount for all, or one per run): nothing to check or move.
        // Rules often pay zero everywhere: a clause that does not apply this year, a
        // settlement with nothing to settle.
        let every_run = amounts.len() == 1 || amounts.len() >= self.len;
        if every_run && amounts.iter().all(|a| *a == 0.0) {
            return Ok(());
        }
        let guard_fund = rule.is_some() && from.starts_with(FUND_PREFIX);
        // Compared once, not in every run.
        let (from_outside, from_interventions) = (from == OUTSIDE, from == INTERVENTIONS);
        // Every run is checked before any balance changes, so a refused transfer changes nothing.
        let mut after = Vec::with_capacity(self.len);
        for b in 0..self.len {
            let (a, run) = (at(amounts, b), self.first_run + b as u64);
            if !a.is_finite() || a < 0.0 {
                return Err(LedgerError::BadAmount { run, amount: a });
            }
            if a > MAX_TRANSFER_EUR {
                return Err(LedgerError::TooLarge { run, amount: a });
            }
            let c = cents(a);
            if let Some(allowed) = rule.filter(|_| c > 0) {
                // The account's name is copied only for an error: this runs for every run.
                if from_outside && !allowed.money_from_outside {
                    let to = to.to_string();
                    return Err(LedgerError::FromOutside { to, run, amount: a });
                }
                if from_interventions && !allowed.withdrawals_from_interventions {
                    let to = to.to_string();
                    return Err(LedgerError::FromInterventions { to, run, amount: a });
                }
            }
            let overflow = |account: &str| LedgerError::Overflow {
                account: account.to_string(),
                run,
            };
            let from_after = self.balance[f][b]
                .checked_sub(c)
                .filter(|_| self.paid[f][b].checked_add(c).is_some())
                .ok_or_else(|| overflow(from))?;
            if rule.is_some() && from_interventions && c > 0 && from_after < -ROUNDING_CENTS {
                return Err(LedgerError::BeyondSpent {
                    to: to.to_string(),
                    run,
                    amount: a,
                    spent: eur(self.balance[f][b].max(0)),
                });
            }
            let to_after = self.balance[t][b]
                .checked_add(c)
                .filter(|_| self.received[t][b].checked_add(c).is_some())
                .ok_or_else(|| overflow(to))?;
            if guard_fund && c > 0 && from_after < -(self.overdraft[f][b] + ROUNDING_CENTS) {
                return Err(LedgerError::Overdrawn {
                    fund: from.to_string(),
                    run,
                    balance: eur(self.balance[f][b]),
                    amount: eur(c),
                    overdraft: eur(self.overdraft[f][b]),
                });
            }
            after.push((c, from_after, to_after));
        }
        let by_rule = match rule {
            Some(_) => match self.by_rule.iter().position(|(r, _)| *r == origin.rule) {
                Some(i) => Some(i),
                None => {
                    self.by_rule.push((origin.rule.clone(), vec![0; self.len]));
                    Some(self.by_rule.len() - 1)
                }
            },
            None => None,
        };
        for (b, (c, from_after, to_after)) in after.into_iter().enumerate() {
            if c == 0 {
                continue;
            }
            if let Some(i) = by_rule {
                self.by_rule[i].1[b] += c;
            }
            let run = self.first_run + b as u64;
            let before = (self.balance[f][b], self.balance[t][b]);
            self.balance[f][b] = from_after;
            self.balance[t][b] = to_after;
            self.paid[f][b] += c;
            self.received[t][b] += c;
            if self.traced == Some(run) {
                self.entries.push(Entry {
                    run,
                    year,
                    origin: origin.clone(),
                    reason: reason.to_string(),
                    from: from.to_string(),
                    to: to.to_string(),
                    amount: eur(c),
                    from_before: eur(before.0),
                    from_after: eur(self.balance[f][b]),
                    to_before: eur(before.1),
                    to_after: eur(self.balance[t][b]),
                });
            }
        }
        Ok(())
    }

    /// Balance of an account in every run, EUR.
    pub fn balance(&self, account: usize) -> Vec<f64> {
        self.balance[account].iter().map(|c| eur(*c)).collect()
    }

    /// Balance of an account in run `b`, EUR.
    pub fn balance_at(&self, account: usize, b: usize) -> f64 {
        eur(self.balance[account][b])
    }

    /// Paid out by an account this year in run `b`, EUR.
    pub fn paid(&self, account: usize, b: usize) -> f64 {
        eur(self.paid[account][b])
    }

    /// Received by an account this year in run `b`, EUR.
    pub fn received(&self, account: usize, b: usize) -> f64 {
        eur(self.received[account][b])
    }

    /// The rule files (as their origins name them) that moved money this year, with what
    /// they moved per run, EUR.
    pub fn moved_by_rule(&self) -> impl Iterator<Item = (&str, impl Fn(usize) -> f64 + '_)> {
        self.by_rule
            .iter()
            .map(|(file, moved)| (file.as_str(), move |b: usize| eur(moved[b])))
    }

    /// Starts a new year's flows.
    pub fn new_year(&mut self) {
        self.by_rule.iter_mut().for_each(|(_, moved)| moved.fill(0));
        for t in [&mut self.paid, &mut self.received] {
            t.iter_mut().for_each(|row| row.fill(0));
        }
    }

    /// Sum of all balances in run `b`, EUR: zero unless the ledger is broken.
    pub fn imbalance(&self, b: usize) -> f64 {
        eur(self.balance.iter().map(|row| row[b]).sum())
    }

    /// The traced run's entries so far.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            rule: "r.rhai".into(),
            line: 3,
        }
    }

    #[test]
    fn transfers_conserve_money_exactly_in_cents() {
        let mut l = Ledger::new(
            vec!["a".into(), "b".into(), "outside".into()],
            10,
            3,
            Some(11),
        );
        l.transfer("a", "b", &[0.1, 0.2, 1e9 / 3.0], 2025, &origin(), "x")
            .expect("ok");
        l.transfer("b", "outside", &[0.3], 2025, &origin(), "y")
            .expect("ok");
        for b in 0..3 {
            assert_eq!(l.imbalance(b), 0.0);
        }
        assert_eq!(l.balance(0), vec![-0.1, -0.2, -333_333_333.33]);
        assert_eq!(l.balance(1), vec![-0.2, -0.1, 333_333_333.03]);
        assert_eq!(l.paid(1, 0), 0.3);
        assert_eq!(l.received(1, 2), 333_333_333.33);
        // Only run 11 (the second) is traced: two entries with balances before and after.
        let e = l.entries();
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].amount, e[0].to_before, e[0].to_after),
            (0.2, 0.0, 0.2)
        );
        assert_eq!(
            (e[1].from_before, e[1].from_after, e[1].reason.as_str()),
            (0.2, -0.1, "y")
        );
        l.new_year();
        assert_eq!(l.paid(1, 0), 0.0);
    }

    #[test]
    fn bad_transfers_are_errors_and_change_nothing() {
        let mut l = Ledger::new(vec!["a".into(), "b".into()], 0, 2, None);
        assert_eq!(
            l.transfer("a", "c", &[1.0], 2025, &origin(), "x"),
            Err(LedgerError::UnknownAccount("c".into()))
        );
        assert_eq!(
            l.transfer("a", "b", &[1.0, -1.0], 2025, &origin(), "x"),
            Err(LedgerError::BadAmount {
                run: 1,
                amount: -1.0
            })
        );
        assert!(l.transfer("a", "a", &[1.0], 2025, &origin(), "x").is_err());
        assert_eq!(
            l.transfer("a", "b", &[1.0, 1e13 + 1.0], 2025, &origin(), "x"),
            Err(LedgerError::TooLarge {
                run: 1,
                amount: 1e13 + 1.0
            })
        );
        assert_eq!(l.balance(0), vec![0.0, 0.0]);
        let f = l.open_fund("friction");
        assert_eq!(l.open_fund("friction"), f);
        assert_eq!(l.account("fund:friction"), Ok(f));
    }

    /// Two payments of EUR 5e16 once wrapped the cents and showed the residents "receiving"
    /// -8.4e16: now each is above the maximum, and balances that would wrap are refused.
    #[test]
    fn money_cannot_wrap() {
        let mut l = Ledger::new(vec!["a".into(), "b".into()], 0, 1, None);
        assert!(matches!(
            l.transfer("a", "b", &[5e16], 2025, &origin(), "x"),
            Err(LedgerError::TooLarge { run: 0, .. })
        ));
        // i64 cents hold EUR 9.22e16: the 9,224th transfer of the maximum would wrap.
        let mut refused = None;
        for i in 0..10_000 {
            if let Err(e) = l.transfer("a", "b", &[MAX_TRANSFER_EUR], 2025, &origin(), "x") {
                refused = Some((i, e));
                break;
            }
        }
        let (i, e) = refused.expect("the sums stop before wrapping");
        assert_eq!(i, 9223);
        assert!(matches!(e, LedgerError::Overflow { run: 0, .. }), "{e}");
        assert_eq!(l.balance(0)[0], -(9223.0 * MAX_TRANSFER_EUR));
        assert_eq!(l.balance(0)[0] + l.balance(1)[0], 0.0);
    }

    #[test]
    fn rules_cannot_overdraw_funds_or_take_money_from_the_sinks() {
        let accounts = ["a", "fund:f", OUTSIDE, INTERVENTIONS]
            .map(String::from)
            .to_vec();
        let mut l = Ledger::new(accounts, 5, 2, None);
        let none = Allowances::default();
        let rule = |l: &mut Ledger, from: &str, to: &str, amounts: &[f64], allowed| {
            l.transfer_by_rule(from, to, amounts, 2025, &origin(), "x", allowed)
        };
        rule(&mut l, "a", "fund:f", &[10.0], none).expect("deposit");
        // Within the balance plus the rounding allowance of one euro: fine.
        rule(&mut l, "fund:f", "a", &[10.5, 11.0], none).expect("within rounding");
        assert_eq!(
            rule(&mut l, "fund:f", "a", &[0.0, 0.01], none),
            Err(LedgerError::Overdrawn {
                fund: "fund:f".into(),
                run: 6,
                balance: -1.0,
                amount: 0.01,
                overdraft: 0.0
            })
        );
        l.set_overdraft("fund:f", &[100.0]).expect("declared");
        rule(&mut l, "fund:f", "a", &[99.0, 99.0], none).expect("within the overdraft");
        assert!(matches!(
            rule(&mut l, "fund:f", "a", &[5.0, 0.0], none),
            Err(LedgerError::Overdrawn { run: 5, .. })
        ));
        // kloof's own bookkeeping is not guarded (its spending never exceeds the balance).
        l.transfer("fund:f", "a", &[5.0, 0.0], 2025, &origin(), "x")
            .expect("core transfer");
        assert!(l.set_overdraft("a", &[1.0]).is_err(), "only funds");
        assert!(l.set_overdraft("fund:f", &[f64::NAN]).is_err());

        assert!(matches!(
            rule(&mut l, OUTSIDE, "a", &[0.0, 3.0], none),
            Err(LedgerError::FromOutside { run: 6, .. })
        ));
        rule(&mut l, OUTSIDE, "a", &[0.0], none).expect("nothing moves");
        rule(&mut l, "a", OUTSIDE, &[3.0], none).expect("paying out is fine");
        assert!(matches!(
            rule(&mut l, INTERVENTIONS, "a", &[1.0], none),
            Err(LedgerError::FromInterventions { run: 5, .. })
        ));
        let mut all = Allowances::default();
        for name in Allowances::NAMES {
            assert!(all.allow(name));
        }
        assert!(!all.allow("anything"));
        rule(&mut l, OUTSIDE, "a", &[3.0], all).expect("allowed");
        rule(&mut l, INTERVENTIONS, "a", &[1.0], all).expect("allowed");
        // A list of the wrong length is a bad amount, not a panic.
        assert!(matches!(
            rule(&mut l, "a", OUTSIDE, &[1.0, 2.0, 3.0][..0], none),
            Err(LedgerError::BadAmount { .. })
        ));
        for b in 0..2 {
            assert_eq!(l.imbalance(b), 0.0);
        }
    }
}
