//! The scenario: what a region looks like at the start year, how it evolves, who takes part
//! and what the network does. Read from YAML, strictly: an unknown key, a wrong type or an
//! impossible value is an error naming the file, line and key.
//!
//! Every YAML key here is public interface: analysts write these files, and renaming a key
//! breaks their scenarios. The README documents each key.

mod ages;
pub mod correlations;
pub mod economics;
mod load;
pub mod ranges;
mod refs;
mod rules;

pub use ages::{AGES, AgeRange, AgeTable, BandValue, MAX_AGE};
pub use load::{
    MAX_NESTING, MAX_RULE_BYTES, MAX_SCENARIO_BYTES, ScenarioError, check_horizon, check_nesting,
    check_nesting_of, excerpted, parse, parse_all, printable, read_text,
};
pub use refs::check_scenario_name;
pub use refs::{
    CorrelatedInput, DelivererRef, DomainId, DomainRef, FinancierRef, InputName, InterventionId,
    InterventionRef, Keyed, PartnerId, PartnerRef, ProviderRef,
};
pub use rules::{Param, RuleUse};

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::sampling::Quantity;

/// Defines a quantity type held to one of the plausible [`ranges`]: the range is checked while
/// reading, so the error carries the line of the offending number. It derefs to its
/// [`Quantity`], which is all the model needs of it.
macro_rules! ranged_quantity {
    ($($(#[$doc:meta])* $name:ident: $range:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub Quantity);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let range = $range;
                let (q, known) = refs::resolve(Quantity::deserialize(d)?).map_err(de::Error::custom)?;
                if !known {
                    return Ok($name(q));
                }
                let named = q.shared.clone();
                // `kloof check` reads on past a value out of range to find the next error.
                match q.clone().bounded(range.bounds) {
                    Ok(q) => Ok($name(q)),
                    Err(e) => {
                        refs::soft(Err(match named {
                            Some(n) => format!("shared input `{n}`: {e} here ({})", range.why),
                            None => format!("{e} ({})", range.why),
                        }))?;
                        Ok($name(q))
                    }
                }
            }
        }

        impl std::ops::Deref for $name {
            type Target = Quantity;
            fn deref(&self) -> &Quantity {
                &self.0
            }
        }
    )*};
}

ranged_quantity!(
    /// People in an age band.
    People: ranges::PEOPLE;
    /// Births per inhabitant per year.
    BirthRate: ranges::BIRTH_RATE;
    /// Probability of dying within the year.
    DeathProbability: ranges::DEATH_PROBABILITY;
    /// Yearly relative fall of death probabilities.
    Improvement: ranges::IMPROVEMENT;
    /// Net migration into an age band, people per year.
    Migration: ranges::MIGRATION;
    /// EUR per year.
    EurPerYear: ranges::EUR_PER_YEAR;
    /// A yearly growth rate of prices, volume or a budget.
    GrowthRate: ranges::GROWTH;
    /// Cost of care per inhabitant per year, EUR.
    UseEur: ranges::USE_EUR;
    /// Hours of care per inhabitant per year.
    UseHours: ranges::USE_HOURS;
    /// Productive hours per FTE per year.
    HoursPerFte: ranges::HOURS_PER_FTE;
    /// FTE employed.
    Fte: ranges::FTE;
    /// Joiners or leavers per year, share of the FTE.
    Turnover: ranges::TURNOVER;
    /// Yearly growth of the hours one FTE delivers.
    Productivity: ranges::PRODUCTIVITY;
    /// Share of the recipients' need informal care covers.
    InformalShare: ranges::INFORMAL_SHARE;
    /// How the covered share follows carers per recipient.
    Elasticity: ranges::ELASTICITY;
    /// A relative change of demand.
    Change: ranges::CHANGE;
    /// Share of the start year's demand not delivered.
    UnmetShare: ranges::UNMET_SHARE;
    /// Share of unmet demand that moves to another domain.
    MoveShare: ranges::MOVE_SHARE;
    /// A cost share or a corridor.
    CostShare: ranges::COST_SHARE;
    /// Willingness to pay for an FTE-year of care gained, EUR.
    Wtp: ranges::WTP;
    /// Share of an intervention's effect lost each year after its funding ends.
    Decay: ranges::DECAY;
    /// Hours of care per client per year.
    HoursPerClient: ranges::HOURS_PER_CLIENT;
    /// Share of avoided demand replaced from the waiting list.
    Refill: ranges::REFILL;
    /// Share of the care above a ceiling that is delivered and paid.
    PaidAbove: ranges::PAID_ABOVE;
    /// Share of productivity growth passed on as lower tariffs.
    EfficiencyDiscount: ranges::EFFICIENCY_DISCOUNT;
    /// A financier's share of a domain's cost.
    FinancierShare: ranges::FINANCIER_SHARE;
    /// Share of a change in cost that risk equalisation passes on.
    Equalisation: ranges::EQUALISATION;
    /// Share of a domain's spare staff that moves to another domain in a year.
    Mobility: ranges::MOBILITY;
);

impl BandValue for People {}
impl BandValue for Use {}
impl BandValue for UseEur {}
impl BandValue for Migration {
    fn check_band(&self, band: &AgeRange) -> Result<(), String> {
        refs::check_emigration(band, self.span().0)
    }
}

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, used for the report folder (`reports/<name>/`): an identifier, so that the
    /// report cannot land outside `reports/` (`../x`, `/etc`) or in `reports/` itself.
    #[serde(deserialize_with = "refs::scenario_name")]
    pub name: String,
    /// One line for people: what this scenario is.
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Numbers used in several places (`{input: name}`), drawn once for all of them: wage and
    /// price growth that a collective labour agreement sets for every domain at once.
    #[serde(default = "no_inputs")]
    pub inputs: Keyed<InputName, SharedQuantity>,
    /// Rank correlations between shared inputs, pair by pair (see [`correlations`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlations: Vec<correlations::Correlation>,
    pub region: Region,
    pub partners: Vec<Partner>,
    pub domains: Vec<Domain>,
    #[serde(default)]
    pub informal_care: Option<InformalCare>,
    #[serde(default)]
    pub interventions: Vec<Intervention>,
    #[serde(default)]
    pub transition_budget: Option<TransitionBudget>,
    /// Agreement rules (Rhai files) run in the network variant, in this order.
    #[serde(default)]
    pub rules: Vec<RuleUse>,
    /// The years the agreement is signed for, when the scenario runs past them: the summary
    /// says so, and what happens after.
    #[serde(default)]
    pub agreement_period: Option<AgreementPeriod>,
    #[serde(default)]
    pub monte_carlo: MonteCarlo,
    /// What the care the network gains is worth, and to whom. Without
    /// it care gained is reported but valued at 0, and every judgement counts money only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valuation: Option<Valuation>,
    /// Shocks for `kloof stress` without `--set`: a list like a stress file's `shocks:`. They
    /// change nothing of a run; [`crate::stress`] reads and checks them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stress: Option<serde_yaml::Value>,
    /// The inputs a board may move on `kloof serve`'s what-if page, beside the levers every
    /// scenario has (participation, the sharing key, the go/no-go, the value of care); see
    /// [`crate::lever`]. They change nothing of a run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levers: Vec<LeverSpec>,
}

/// A lever on the what-if page: a number in the scenario, by its path as an overlay names it,
/// that a board may move within `range` by `step`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LeverSpec {
    /// The number's path, as an overlay's `set:` writes it (`inputs.wages_prices.mean`).
    pub path: String,
    /// What a board reads beside the control, per language (one line each).
    pub label: DisplayNames,
    /// The lowest and highest value the control offers.
    pub range: [f64; 2],
    pub step: f64,
    /// How the page shows the value.
    #[serde(default)]
    pub unit: LeverUnit,
    /// The number is one share of a map of shares (`transition_budget.contributions`): the
    /// others are rescaled in proportion so that the map keeps its sum.
    #[serde(default)]
    pub shares: bool,
}

/// How a lever's value reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeverUnit {
    /// A plain number.
    #[default]
    Number,
    /// A share, shown as a percentage (0.25 is 25 %).
    Share,
    /// A yearly growth rate, shown as a percentage per year.
    Rate,
    /// Euros.
    Eur,
}

/// The region's people at the start year and how they evolve.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub name: String,
    /// First simulated year; `population` counts people on 1 January of this year.
    #[serde(deserialize_with = "refs::start_year")]
    pub start_year: i32,
    /// Last simulated year (default 2030); `kloof run --horizon` overrides it.
    #[serde(default = "default_horizon")]
    pub horizon: i32,
    /// People by age band on 1 January of the start year (spread evenly over the single ages
    /// of each band).
    pub population: AgeTable<People>,
    /// Births per inhabitant per year (crude birth rate).
    pub birth_rate: BirthRate,
    pub mortality: Mortality,
    /// Net migration (immigration minus emigration), people per year by age band; may be negative.
    pub net_migration: AgeTable<Migration>,
}

fn no_inputs() -> Keyed<InputName, SharedQuantity> {
    Keyed(Vec::new())
}

/// A shared input's quantity: a number or a distribution, not itself a reference.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct SharedQuantity(pub Quantity);

impl<'de> Deserialize<'de> for SharedQuantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let q = Quantity::deserialize(d)?;
        if q.shared.is_some() {
            return Err(de::Error::custom(
                "a shared input is a number or a distribution; it cannot name another",
            ));
        }
        Ok(SharedQuantity(q))
    }
}

fn default_horizon() -> i32 {
    2030
}

/// Death probability by single age: a Gompertz curve through two points, falling by a yearly
/// improvement from the year the points were read for.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mortality {
    /// Year the two anchor points describe.
    #[serde(deserialize_with = "refs::mortality_year")]
    pub year: i32,
    pub young: MortalityPoint,
    pub old: MortalityPoint,
    /// Yearly relative fall of every death probability (0.02 = 2 % lower each year).
    pub improvement: Improvement,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MortalityPoint {
    #[serde(deserialize_with = "refs::age")]
    pub age: u32,
    /// Probability of dying within the year at this age.
    pub death_probability: DeathProbability,
}

/// What a partner is in the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Pays for one or more domains (municipality, insurer, care office).
    Financier,
    /// Delivers care in one or more domains.
    Provider,
    /// The residents, who may share in savings.
    Residents,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
    /// The name a report shows in Dutch or English, where it differs from `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<DisplayNames>,
    pub role: Role,
    /// Domains this partner delivers care in (providers).
    #[serde(default)]
    pub delivers: Vec<DomainRef>,
    /// Budget for the domains this partner finances (financiers).
    #[serde(default)]
    pub budget: Option<Budget>,
    /// What of the partner's spending the scenario covers, when it is not all of it (an
    /// insurer whose region's domains are part of its Zvw spending): the summary says so.
    #[serde(default)]
    pub scope: Option<String>,
    /// One of the agreement's initiators: the summary reports how often any of them ends
    /// worse off than without the network.
    #[serde(default)]
    pub initiator: bool,
    /// The legal entity the partner belongs to, when two partners are one (a municipality's
    /// neighbourhood budget beside its other budgets): every report consolidates them, and
    /// money moving between them is no cost shifting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// A financier's share of any change in its cost that risk equalisation passes to or from
    /// the national fund (the Zvw's ex-post compensations): it keeps the rest of a saving and
    /// bears the rest of a cost increase. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equalisation: Option<Equalisation>,
}

/// Who the reports name as one party: a partner, or the partners of one legal entity
/// consolidated (`partners[].entity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// The entity's name, or the partner's id.
    pub name: String,
    /// Its partners' ids, in the scenario's order.
    pub members: Vec<String>,
}

impl Party {
    /// Whether the party consolidates an entity's partners (rather than being one partner).
    pub fn is_entity(&self) -> bool {
        self.members.len() > 1 || self.members.first() != Some(&self.name)
    }
}

impl Scenario {
    /// The parties in the scenario's order: every partner without an entity, and each entity
    /// where its first partner stands.
    pub fn parties(&self) -> Vec<Party> {
        let mut parties: Vec<Party> = Vec::new();
        for p in &self.partners {
            match &p.entity {
                Some(e) => match parties.iter_mut().find(|x| x.is_entity() && x.name == *e) {
                    Some(party) => party.members.push(p.id.0.clone()),
                    None => parties.push(Party {
                        name: e.clone(),
                        members: vec![p.id.0.clone()],
                    }),
                },
                None => parties.push(Party {
                    name: p.id.0.clone(),
                    members: vec![p.id.0.clone()],
                }),
            }
        }
        parties
    }
}

/// A financier's budget: where it starts and how it grows each year. The yearly factor is
/// `(1 + index) × (1 + rate)`, where the index is the one the budget `follows` (none: 0) and the
/// rate is the `path`'s for that year, or `growth` in years the path does not list.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Budget in the start year, EUR. Left out: equal to the baseline cost of the financier's
    /// domains in the start year ("today's cost level").
    #[serde(default)]
    pub eur: Option<EurPerYear>,
    /// Yearly growth of the budget (0.025 = 2.5 % a year); on top of the index it `follows`.
    pub growth: GrowthRate,
    #[serde(default)]
    pub follows: Option<BudgetIndex>,
    /// Rates for given years (the growth into that year), e.g. an agreement's growth path.
    #[serde(default)]
    pub path: std::collections::BTreeMap<i32, GrowthRate>,
    /// The financier's contribution to the transition budget comes on top of its budget
    /// ("bovenop het huidige kostenniveau") instead of out of it.
    #[serde(default)]
    pub transition_on_top: bool,
}

/// What a budget may follow besides its own rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetIndex {
    /// The run's own wage and price growth of the financier's domains, weighted by their cost
    /// last year: indexation that cancels price noise.
    Prices,
    /// The same times the growth of its domains' demand from ageing and population size alone
    /// (at start-year use and prices).
    PricesAndDemography,
}

/// A name per report language: a Dutch board reads "Wijkverpleging", an English reader
/// "District nursing". Either may be left out; `name` stands in for it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayNames {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl DisplayNames {
    /// The name for the language with ISO code `lang` (`nl`, `en`), when given.
    pub fn get(&self, lang: &str) -> Option<&str> {
        match lang {
            "nl" => self.nl.as_deref(),
            "en" => self.en.as_deref(),
            _ => None,
        }
    }

    /// Every name given.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.nl.iter().chain(&self.en)
    }
}

/// A funding domain (Wmo, Jeugd, Zvw hospital care, Wlz, ...).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub id: DomainId,
    pub name: String,
    /// The name a report shows in Dutch or English, where it differs from `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<DisplayNames>,
    /// The partner (role financier) that pays for this domain.
    pub financier: FinancierRef,
    /// The share of the domain's cost its financier pays: an insurer's market share among
    /// the region's insured. Financiers outside the network (the other insurers) pay the rest
    /// and share the network's savings and cost increases in the domain without taking part.
    /// Default 1: the financier pays all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub financier_share: Option<FinancierShare>,
    /// Use per inhabitant per year by age band, at start-year prices.
    #[serde(rename = "use")]
    pub use_per_person: AgeTable<Use>,
    /// Productive hours one FTE delivers in a year.
    pub hours_per_fte: HoursPerFte,
    pub growth: Growth,
    pub workforce: Workforce,
    /// Share of the start year's demand that was not delivered (waiting lists, care not
    /// given for want of staff): `use` is what was delivered and paid, so demand is
    /// `use / (1 - unmet_share)`. Default 0.
    #[serde(default)]
    pub unmet_share: Option<UnmetShare>,
    /// Hours of care one client receives in a year (sourced, or marked as an assumption):
    /// states the care gained as clients served (`care.gained.clients.<domain>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_per_client: Option<HoursPerClient>,
    /// Where the network avoids demand while people wait: the share of the freed care that
    /// goes to people from the waiting list (uncertain, 0-1). The rest is not delivered at
    /// all: providers deliver and are paid less, a cash saving under a contract that follows
    /// the care. Default 1: every freed hour is refilled, and avoided demand in a domain
    /// short of staff is care gained, never money saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refill: Option<Refill>,
    /// Where demand this domain cannot deliver goes: a share of each year's unmet demand
    /// becomes demand in another domain the next year (district nursing not delivered ends up
    /// in hospital or Wlz care).
    #[serde(default)]
    pub unmet_moves: Vec<economics::UnmetMove>,
    /// How the financier pays the domain's providers; default fee for service.
    #[serde(default)]
    pub contract: Option<economics::Contract>,
    /// Which share of the domain each provider delivers; default equal shares among the
    /// partners that deliver it.
    #[serde(default, deserialize_with = "refs::optional_shares_summing_to_one")]
    pub market_shares: Option<economics::MarketShares>,
    /// What delivering the domain's care costs its providers; required when a partner
    /// delivers it.
    #[serde(default)]
    pub costs: Option<economics::Costs>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Use {
    /// Cost per inhabitant per year, EUR.
    pub eur: UseEur,
    /// Professional care hours per inhabitant per year.
    pub hours: UseHours,
}

/// Non-demographic growth, yearly, apart from the ageing the projection derives itself.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Growth {
    /// Wages and prices: raises cost, not hours.
    pub wages_prices: GrowthRate,
    /// Volume per person (income, technology, practice): raises cost and hours.
    pub volume: GrowthRate,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Workforce {
    /// FTE employed in the start year. Left out: the staff who delivered the start year's
    /// use (its hours over `hours_per_fte`), so that `use` is what was delivered in every run.
    #[serde(default)]
    pub fte: Option<Fte>,
    /// Joiners per year as a share of the FTE.
    pub inflow: Turnover,
    /// `working_age`: joiners follow the region's working-age population (20-64): the inflow
    /// rate is scaled by its size against the start year. Default: a fixed rate.
    #[serde(default)]
    pub inflow_follows: Option<InflowBasis>,
    /// Leavers per year as a share of the FTE.
    pub outflow: Turnover,
    /// Yearly growth of the hours one FTE delivers (technology, ways of working).
    pub productivity: Productivity,
    /// Where staff this domain does not need can go: each year a share of its spare FTE
    /// (staff beyond its demand last year) moves to another domain, as far as that one was
    /// short (a nurse from the Wlz's other care to nursing homes). Default: none moves.
    #[serde(default)]
    pub moves: Vec<economics::StaffMove>,
}

/// What workforce inflow may follow besides its own rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InflowBasis {
    /// The region's people aged 20-64.
    WorkingAge,
}

/// Informal care (mantelzorg): covers part of the need of older people, and covers less as
/// the number of potential carers per older person falls.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InformalCare {
    /// Domains whose demand informal care partly takes over.
    pub domains: Vec<DomainRef>,
    /// Ages who receive informal care.
    pub recipient_ages: AgeRange,
    /// Ages of the potential carers.
    pub carer_ages: AgeRange,
    /// Share of the recipients' need that informal care covers in the start year.
    pub share_of_need: InformalShare,
    /// How strongly the covered share follows the carers-per-recipient ratio (1 = proportionally).
    pub elasticity: Elasticity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InterventionKind {
    /// Avoids demand (falls prevention, loneliness, lifestyle).
    Prevention,
    /// Moves care to a cheaper place (hospital to home, specialist to GP).
    Substitution,
    /// Collective facilities instead of individual support.
    Collective,
}

/// Something the network invests in, with an uncertain effect on demand.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Intervention {
    pub id: InterventionId,
    pub name: String,
    pub kind: InterventionKind,
    /// EUR per year at full scale.
    pub cost: EurPerYear,
    /// First year the intervention runs.
    #[serde(deserialize_with = "refs::scenario_year")]
    pub start_year: i32,
    /// Years until the full effect is reached, linearly (0: full effect at once).
    #[serde(default, deserialize_with = "refs::ramp_up_years")]
    pub ramp_up_years: u32,
    /// Who does the work and receives the money, with shares summing to 1: providers of the
    /// network, or `outside` for work bought outside it (that money leaves the network).
    #[serde(deserialize_with = "refs::shares_summing_to_one")]
    pub delivered_by: economics::Deliverers,
    /// Staff it needs at full scale, taken from a domain's workforce.
    #[serde(default)]
    pub staff: Option<economics::Staff>,
    pub effects: Vec<Effect>,
    /// What remains of its effect once its funding ends: an admission delayed or a fall
    /// prevented does not come back the day the money stops. Without it the effect ends with
    /// the funding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence: Option<Persistence>,
}

/// How an intervention's effect fades after its funding ends: each year without funding it
/// keeps `1 - decay` of the effect it had the year before (never less than what its funding
/// of the year gives).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Persistence {
    pub decay: Decay,
}

/// The value of care gained: care delivered in the network that the baseline leaves unmet,
/// for want of staff. In a region short of staff that is the network's product, and a
/// judgement that counts euros only misreads it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Valuation {
    /// λ: EUR per FTE-year of care gained, per domain (a number or a distribution drawn once
    /// per run). Domains not named are valued at 0.
    pub wtp_per_fte_year: Keyed<DomainRef, Wtp>,
    /// The values of λ (EUR per FTE-year, the same for every domain) at which the
    /// acceptability curve and the value of information are given; ascending.
    #[serde(default = "default_wtp_grid", deserialize_with = "wtp_grid")]
    pub grid: Vec<f64>,
    /// Who is credited with the value of care gained in a domain.
    #[serde(default)]
    pub credit: Credit,
}

/// To whom the value of care gained in a domain is credited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Credit {
    /// The partner that holds the duty of care for the domain: its financier (the insurer's
    /// *zorgplicht* for Zvw, the care office's for Wlz, the municipality's for Wmo and Jeugd).
    #[default]
    DutyOfCare,
    /// The residents (a partner with role `residents`), who receive the care.
    Residents,
}

impl Valuation {
    /// λ from 0 to EUR 150,000 per FTE-year in steps of 12,500: from nothing to about twice
    /// what an FTE-year of employed care staff costs (CBS 83670NED: 61,250 VVT, 82,700
    /// hospitals, 2024).
    pub fn default_grid() -> Vec<f64> {
        (0..=12).map(|k| f64::from(k) * 12_500.0).collect()
    }
}

fn default_wtp_grid() -> Vec<f64> {
    Valuation::default_grid()
}

fn wtp_grid<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let grid = Vec::<f64>::deserialize(d)?;
    if grid.is_empty() {
        return Err(de::Error::custom("give at least one value of λ"));
    }
    if let Some(x) = grid.iter().find(|x| !ranges::WTP.bounds.contains(**x)) {
        return Err(de::Error::custom(format!(
            "λ {x} lies outside {} ({})",
            ranges::WTP.bounds.describe(),
            ranges::WTP.why
        )));
    }
    if grid.windows(2).any(|w| w[1] <= w[0]) {
        return Err(de::Error::custom(
            "list the values of λ in ascending order, each once",
        ));
    }
    Ok(grid)
}

/// The change of demand an intervention brings at full scale, in one domain and age range.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Effect {
    pub domain: DomainRef,
    pub ages: AgeRange,
    /// Relative change of the demand (cost and hours) of these ages: -0.05 avoids 5 %,
    /// +0.02 (substitution's receiving side) adds 2 %.
    pub change: Change,
}

/// The years an agreement runs, and in words what the scenario assumes after it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementPeriod {
    #[serde(deserialize_with = "refs::scenario_year")]
    pub from: i32,
    #[serde(deserialize_with = "refs::scenario_year")]
    pub to: i32,
    /// What follows the agreement in the model (e.g. "fee for service resumes").
    pub after: String,
}

/// Money on top of today's cost level, contributed by partners and spent on interventions.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionBudget {
    #[serde(deserialize_with = "refs::scenario_year")]
    pub from_year: i32,
    #[serde(deserialize_with = "refs::scenario_year")]
    pub to_year: i32,
    /// EUR per year.
    pub per_year: EurPerYear,
    /// Who contributes which share of the yearly amount; the shares sum to 1.
    #[serde(deserialize_with = "refs::shares_summing_to_one")]
    pub contributions: Keyed<PartnerRef, f64>,
    /// Which share of the yearly amount goes to each intervention; at most 1 in all. Money an
    /// intervention cannot use (above its cost) is not spent and not charged.
    #[serde(deserialize_with = "refs::shares_at_most_one")]
    pub allocation: Keyed<InterventionRef, f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MonteCarlo {
    #[serde(default = "default_runs")]
    pub runs: u64,
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_runs() -> u64 {
    10_000
}

fn default_seed() -> u64 {
    1
}

impl Default for MonteCarlo {
    fn default() -> Self {
        MonteCarlo {
            runs: default_runs(),
            seed: default_seed(),
        }
    }
}
