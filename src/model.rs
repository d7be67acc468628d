//! A scenario compiled for simulation: every number becomes an [`Input`] with a stable key
//! (its path in the scenario, by id), and references become indices.
//!
//! Compiling once per invocation keeps all parsing and lookup out of the run × year loop.

use crate::sampling::{Input, InputId, Quantity};
use crate::scenario::economics::{ContractKind, StaffMode};
use crate::scenario::{AGES, AgeRange, BudgetIndex, Param, Role, Scenario};

#[derive(Debug, Clone)]
pub struct MortalityModel {
    pub year: i32,
    pub young_age: u32,
    pub young_q: InputId,
    pub old_age: u32,
    pub old_q: InputId,
    pub improvement: InputId,
}

#[derive(Debug, Clone)]
pub struct DomainModel {
    pub id: String,
    /// Index into [`Model::financiers`].
    pub financier: usize,
    /// The share of the domain's cost the financier pays; `None`: all of it. Financiers
    /// outside the network pay the rest.
    pub financier_share: Option<InputId>,
    /// For each single age, the band of the use table it falls in.
    pub band_of_age: [usize; AGES],
    pub eur: Vec<InputId>,
    pub hours: Vec<InputId>,
    pub hours_per_fte: InputId,
    pub wages_prices: InputId,
    pub volume: InputId,
    /// Staff employed in the start year; `None`: those who delivered its use.
    pub fte: Option<InputId>,
    pub inflow: InputId,
    /// Joiners scale with the region's working-age population against the start year.
    pub inflow_follows_working_age: bool,
    pub outflow: InputId,
    pub productivity: InputId,
    /// Informal care takes over part of this domain's demand for the recipient ages.
    pub informal: bool,
    /// Share of the start year's demand not delivered.
    pub unmet_share: InputId,
    /// Hours of care per client per year, to state care gained as clients served.
    pub hours_per_client: Option<InputId>,
    /// Share of avoided demand replaced from the waiting list; `None`: all of it.
    pub refill: Option<InputId>,
    /// (domain, share): where a share of each year's unmet demand goes the next year.
    pub moves: Vec<(usize, InputId)>,
    /// (domain, share): where a share of its spare staff goes each year.
    pub staff_moves: Vec<(usize, InputId)>,
    pub contract: ContractModel,
    /// The partners that deliver it, with their market shares.
    pub providers: Vec<(usize, f64)>,
    /// What delivering costs its providers; `None` when no partner delivers it.
    pub costs: Option<CostModel>,
}

/// Domains (by index), each with a provider's share of its care.
pub type Market = Vec<(usize, f64)>;

/// A domain's contract, its numbers as inputs.
#[derive(Debug, Clone)]
pub struct ContractModel {
    pub kind: ContractKind,
    /// The amount in the start year; `None`: the start year's delivered care.
    pub eur: Option<InputId>,
    /// Capitation: EUR per inhabitant by band, and the band of each single age.
    pub per_person: Vec<InputId>,
    pub band_of_age: [usize; AGES],
    pub growth: InputId,
    pub corridor: Option<InputId>,
    /// Ceiling: the share of care above it that is paid and delivered (0 when left out).
    pub paid_above: InputId,
    /// The share of productivity growth taken off tariffs and amounts (0 when left out).
    pub efficiency_discount: InputId,
}

/// What delivering a domain's care costs its providers, as inputs.
#[derive(Debug, Clone)]
pub struct CostModel {
    pub staff_share: InputId,
    pub material_share: InputId,
    pub fixed_eur: InputId,
}

#[derive(Debug, Clone)]
pub struct FinancierModel {
    pub id: String,
    pub budget_eur: Option<InputId>,
    pub growth: InputId,
    pub follows: Option<BudgetIndex>,
    /// Years with a rate of their own, and its input.
    pub path: Vec<(i32, InputId)>,
    pub transition_on_top: bool,
    /// The share of a change in its cost that risk equalisation passes on; `None`: none.
    pub equalisation: Option<InputId>,
}

impl FinancierModel {
    /// The input of the budget's own rate into `year`.
    pub fn rate(&self, year: i32) -> InputId {
        self.path
            .iter()
            .find(|(y, _)| *y == year)
            .map_or(self.growth, |(_, id)| *id)
    }
}

#[derive(Debug, Clone)]
pub struct InformalModel {
    pub recipients: AgeRange,
    pub carers: AgeRange,
    pub share: InputId,
    pub elasticity: InputId,
}

#[derive(Debug, Clone)]
pub struct EffectModel {
    pub domain: usize,
    pub ages: AgeRange,
    pub change: InputId,
}

#[derive(Debug, Clone)]
pub struct InterventionModel {
    pub id: String,
    pub cost: InputId,
    pub start_year: i32,
    pub ramp_up_years: u32,
    pub effects: Vec<EffectModel>,
    /// Share of the transition budget allocated to it (0 when not funded).
    pub allocation: f64,
    /// Who delivers it: (index into [`Model::partners`], or `None` for outside the network;
    /// share).
    pub delivered_by: Vec<(Option<usize>, f64)>,
    /// Staff at full scale, from one domain.
    pub staff: Option<StaffModel>,
    /// Share of its effect lost each year after its funding ends; `None`: all of it.
    pub decay: Option<InputId>,
}

/// An intervention's staff at full scale: FTE from domain `domain`, diverted from its care
/// or hired on top ([`StaffMode`]).
#[derive(Debug, Clone)]
pub struct StaffModel {
    pub domain: usize,
    pub fte: InputId,
    pub mode: StaffMode,
}

/// What care gained is worth, and to whom (the scenario's `valuation:`).
#[derive(Debug, Clone, Default)]
pub struct ValuationModel {
    /// Per domain: λ, EUR per FTE-year of care gained; `None`: 0.
    pub wtp: Vec<Option<InputId>>,
    /// Per domain: the partner (index into [`Model::partners`]) credited with its care gained.
    pub credited: Vec<usize>,
    /// λ values for curves, EUR per FTE-year; empty without `valuation:`.
    pub grid: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct TransitionModel {
    pub from_year: i32,
    pub to_year: i32,
    pub per_year: InputId,
    /// (index into [`Model::partners`], share of the yearly amount).
    pub contributions: Vec<(usize, f64)>,
}

#[derive(Debug, Clone)]
pub struct PartnerModel {
    pub id: String,
    pub role: Role,
    /// Indices of the domains it delivers in.
    pub delivers: Vec<usize>,
}

/// A rule parameter with its numbers turned into inputs, so that they are drawn like every
/// other number of the scenario (and an overlay can change them).
#[derive(Debug, Clone)]
pub enum ParamModel {
    Number(InputId),
    Text(String),
    List(Vec<ParamModel>),
    Map(Vec<(String, ParamModel)>),
}

impl ParamModel {
    fn compile(p: &Param, key: &str, inputs: &mut Vec<Input>) -> ParamModel {
        match p {
            Param::Number(q) => ParamModel::Number(add_input(inputs, key.to_string(), q)),
            Param::Text(t) => ParamModel::Text(t.clone()),
            Param::List(items) => ParamModel::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, p)| ParamModel::compile(p, &format!("{key}.{i}"), inputs))
                    .collect(),
            ),
            Param::Map(m) => ParamModel::Map(
                m.iter()
                    .map(|(k, p)| {
                        (
                            k.clone(),
                            ParamModel::compile(p, &format!("{key}.{k}"), inputs),
                        )
                    })
                    .collect(),
            ),
        }
    }
}

/// λ per domain as inputs (after every other input: they belong to no projection), and the
/// partner each domain's care gained is credited to.
fn compile_valuation(
    scenario: &Scenario,
    partners: &[PartnerModel],
    domains: &[DomainModel],
    inputs: &mut Vec<Input>,
) -> ValuationModel {
    let v = scenario.valuation.as_ref();
    let credited = crate::value::credited(scenario)
        .iter()
        .map(|id| partners.iter().position(|p| &p.id == id).unwrap_or(0))
        .collect();
    let wtp = domains
        .iter()
        .map(|d| {
            let given = v?
                .wtp_per_fte_year
                .0
                .iter()
                .find(|(k, _)| k.as_str() == d.id)?;
            let key = format!("valuation.wtp_per_fte_year.{}", d.id);
            Some(add_input(inputs, key, &given.1.0))
        })
        .collect();
    ValuationModel {
        wtp,
        credited,
        grid: v.map_or_else(Vec::new, |v| v.grid.clone()),
    }
}

/// One rule of the scenario: its file as written and its parameters.
#[derive(Debug, Clone)]
pub struct RuleModel {
    pub file: String,
    pub params: ParamModel,
}

/// The compiled scenario.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub start_year: i32,
    pub horizon: i32,
    pub inputs: Vec<Input>,
    /// The first `projection_inputs` inputs are those of the variant-free projection
    /// (population, demand, workforce, budgets, informal care); the rest belong to the
    /// network (interventions, transition budget, rule parameters).
    pub projection_inputs: usize,
    pub population: Vec<(AgeRange, InputId)>,
    pub birth_rate: InputId,
    pub mortality: MortalityModel,
    pub migration: Vec<(AgeRange, InputId)>,
    pub partners: Vec<PartnerModel>,
    pub domains: Vec<DomainModel>,
    pub financiers: Vec<FinancierModel>,
    pub informal: Option<InformalModel>,
    pub interventions: Vec<InterventionModel>,
    pub transition: Option<TransitionModel>,
    pub rules: Vec<RuleModel>,
    pub valuation: ValuationModel,
    /// The parties reports name (see [`crate::scenario::Party`]): per party its partners
    /// (indices into `partners`), and its name where it consolidates an entity.
    pub parties: Vec<(Option<String>, Vec<usize>)>,
}

impl Model {
    /// Compiles `scenario` to simulate from its start year to `horizon`.
    pub fn compile(scenario: &Scenario, horizon: i32) -> Model {
        let mut inputs = Vec::new();
        let add = add_input;
        let r = &scenario.region;
        let population = r
            .population
            .0
            .iter()
            .map(|(a, q)| (*a, add(&mut inputs, format!("region.population.{a}"), &q.0)))
            .collect();
        let migration = r
            .net_migration
            .0
            .iter()
            .map(|(a, q)| (*a, add(&mut inputs, format!("region.net_migration.{a}"), q)))
            .collect();
        let birth_rate = add(&mut inputs, "region.birth_rate".into(), &r.birth_rate.0);
        let m = &r.mortality;
        let mortality = MortalityModel {
            year: m.year,
            young_age: m.young.age,
            young_q: add(
                &mut inputs,
                "region.mortality.young".into(),
                &m.young.death_probability.0,
            ),
            old_age: m.old.age,
            old_q: add(
                &mut inputs,
                "region.mortality.old".into(),
                &m.old.death_probability.0,
            ),
            improvement: add(
                &mut inputs,
                "region.mortality.improvement".into(),
                &m.improvement,
            ),
        };
        let domain_ids: Vec<&str> = scenario.domains.iter().map(|d| d.id.as_str()).collect();
        // A domain's index by id (checked to exist when the scenario was read).
        let domain_index = |id: &str| domain_ids.iter().position(|x| *x == id).unwrap_or(0);
        let partners: Vec<PartnerModel> = scenario
            .partners
            .iter()
            .map(|p| PartnerModel {
                id: p.id.0.clone(),
                role: p.role,
                delivers: p
                    .delivers
                    .iter()
                    .filter_map(|d| domain_ids.iter().position(|x| *x == d.as_str()))
                    .collect(),
            })
            .collect();
        let partner_index = |id: &str| partners.iter().position(|p| p.id == id).unwrap_or(0);

        // Financiers: partners with role financier, in the order written.
        let financiers: Vec<FinancierModel> = scenario
            .partners
            .iter()
            .filter(|p| p.role == Role::Financier)
            .map(|p| {
                let key = format!("partners.{}.budget", p.id);
                let zero = Quantity::fixed(0.0);
                let b = p.budget.as_ref();
                FinancierModel {
                    id: p.id.0.clone(),
                    budget_eur: b
                        .and_then(|b| b.eur.as_ref())
                        .map(|e| add(&mut inputs, format!("{key}.eur"), &e.0)),
                    growth: add(
                        &mut inputs,
                        format!("{key}.growth"),
                        b.map_or(&zero, |b| &b.growth),
                    ),
                    follows: b.and_then(|b| b.follows),
                    path: b.map_or_else(Vec::new, |b| {
                        b.path
                            .iter()
                            .map(|(y, q)| (*y, add(&mut inputs, format!("{key}.path.{y}"), &q.0)))
                            .collect()
                    }),
                    transition_on_top: b.is_some_and(|b| b.transition_on_top),
                    equalisation: p
                        .equalisation
                        .as_ref()
                        .map(|q| add(&mut inputs, format!("partners.{}.equalisation", p.id), &q.0)),
                }
            })
            .collect();
        let zero = Quantity::fixed(0.0);
        let informal_domains: Vec<&str> = scenario
            .informal_care
            .as_ref()
            .map(|i| i.domains.iter().map(|d| d.as_str()).collect())
            .unwrap_or_default();
        let domains: Vec<DomainModel> = scenario
            .domains
            .iter()
            .enumerate()
            .map(|(di, d)| {
                let k = format!("domains.{}", d.id);
                let eur = d
                    .use_per_person
                    .0
                    .iter()
                    .map(|(a, u)| add(&mut inputs, format!("{k}.use.{a}.eur"), &u.eur.0))
                    .collect();
                let hours = d
                    .use_per_person
                    .0
                    .iter()
                    .map(|(a, u)| add(&mut inputs, format!("{k}.use.{a}.hours"), &u.hours.0))
                    .collect();
                DomainModel {
                    id: d.id.0.clone(),
                    financier: financiers
                        .iter()
                        .position(|f| f.id == d.financier.0)
                        .unwrap_or(0),
                    band_of_age: d.use_per_person.band_of_age(),
                    eur,
                    hours,
                    hours_per_fte: add(
                        &mut inputs,
                        format!("{k}.hours_per_fte"),
                        &d.hours_per_fte.0,
                    ),
                    wages_prices: add(
                        &mut inputs,
                        format!("{k}.growth.wages_prices"),
                        &d.growth.wages_prices,
                    ),
                    volume: add(&mut inputs, format!("{k}.growth.volume"), &d.growth.volume),
                    fte: d
                        .workforce
                        .fte
                        .as_ref()
                        .map(|f| add(&mut inputs, format!("{k}.workforce.fte"), &f.0)),
                    inflow: add(
                        &mut inputs,
                        format!("{k}.workforce.inflow"),
                        &d.workforce.inflow.0,
                    ),
                    inflow_follows_working_age: d.workforce.inflow_follows
                        == Some(crate::scenario::InflowBasis::WorkingAge),
                    outflow: add(
                        &mut inputs,
                        format!("{k}.workforce.outflow"),
                        &d.workforce.outflow.0,
                    ),
                    productivity: add(
                        &mut inputs,
                        format!("{k}.workforce.productivity"),
                        &d.workforce.productivity,
                    ),
                    informal: informal_domains.contains(&d.id.as_str()),
                    unmet_share: add(
                        &mut inputs,
                        format!("{k}.unmet_share"),
                        d.unmet_share.as_ref().map_or(&zero, |u| &u.0),
                    ),
                    hours_per_client: d
                        .hours_per_client
                        .as_ref()
                        .map(|h| add(&mut inputs, format!("{k}.hours_per_client"), &h.0)),
                    refill: d
                        .refill
                        .as_ref()
                        .map(|r| add(&mut inputs, format!("{k}.refill"), &r.0)),
                    financier_share: d
                        .financier_share
                        .as_ref()
                        .map(|q| add(&mut inputs, format!("{k}.financier_share"), &q.0)),
                    moves: d
                        .unmet_moves
                        .iter()
                        .map(|mv| {
                            let key = format!("{k}.unmet_moves.{}.share", mv.to);
                            (
                                domain_index(mv.to.as_str()),
                                add(&mut inputs, key, &mv.share.0),
                            )
                        })
                        .collect(),
                    staff_moves: d
                        .workforce
                        .moves
                        .iter()
                        .map(|mv| {
                            let key = format!("{k}.workforce.moves.{}.share", mv.to);
                            (
                                domain_index(mv.to.as_str()),
                                add(&mut inputs, key, &mv.share.0),
                            )
                        })
                        .collect(),
                    contract: compile_contract(d, &k, &mut inputs),
                    providers: market_shares(di, d, &partners),
                    costs: d.costs.as_ref().map(|c| CostModel {
                        staff_share: add(
                            &mut inputs,
                            format!("{k}.costs.staff_share"),
                            &c.staff_share.0,
                        ),
                        material_share: add(
                            &mut inputs,
                            format!("{k}.costs.material_share"),
                            &c.material_share.0,
                        ),
                        fixed_eur: add(
                            &mut inputs,
                            format!("{k}.costs.fixed_eur"),
                            c.fixed_eur.as_ref().map_or(&zero, |e| &e.0),
                        ),
                    }),
                }
            })
            .collect();
        let domain_index = |id: &str| domains.iter().position(|d| d.id == id).unwrap_or(0);
        let informal = scenario.informal_care.as_ref().map(|i| InformalModel {
            recipients: i.recipient_ages,
            carers: i.carer_ages,
            share: add(
                &mut inputs,
                "informal_care.share_of_need".into(),
                &i.share_of_need.0,
            ),
            elasticity: add(
                &mut inputs,
                "informal_care.elasticity".into(),
                &i.elasticity.0,
            ),
        });
        let projection_inputs = inputs.len();
        let allocation = |id: &str| {
            scenario
                .transition_budget
                .as_ref()
                .and_then(|t| {
                    t.allocation
                        .0
                        .iter()
                        .find(|(k, _)| k.as_str() == id)
                        .map(|(_, s)| *s)
                })
                .unwrap_or(0.0)
        };
        let interventions = scenario
            .interventions
            .iter()
            .map(|i| {
                let k = format!("interventions.{}", i.id);
                InterventionModel {
                    id: i.id.0.clone(),
                    cost: add(&mut inputs, format!("{k}.cost"), &i.cost.0),
                    start_year: i.start_year,
                    ramp_up_years: i.ramp_up_years,
                    effects: i
                        .effects
                        .iter()
                        .map(|e| EffectModel {
                            domain: domain_index(e.domain.as_str()),
                            ages: e.ages,
                            change: add(
                                &mut inputs,
                                format!("{k}.effects.{}.{}.change", e.domain, e.ages),
                                &e.change.0,
                            ),
                        })
                        .collect(),
                    allocation: allocation(i.id.as_str()),
                    delivered_by: i
                        .delivered_by
                        .0
                        .iter()
                        .map(|(who, share)| {
                            (partners.iter().position(|p| p.id == who.as_str()), *share)
                        })
                        .collect(),
                    staff: i.staff.as_ref().map(|st| StaffModel {
                        domain: domain_index(st.domain.as_str()),
                        fte: add(&mut inputs, format!("{k}.staff.fte"), &st.fte.0),
                        mode: st.mode,
                    }),
                    decay: i
                        .persistence
                        .as_ref()
                        .map(|p| add(&mut inputs, format!("{k}.persistence.decay"), &p.decay.0)),
                }
            })
            .collect();
        let transition = scenario
            .transition_budget
            .as_ref()
            .map(|t| TransitionModel {
                from_year: t.from_year,
                to_year: t.to_year,
                per_year: add(
                    &mut inputs,
                    "transition_budget.per_year".into(),
                    &t.per_year.0,
                ),
                contributions: t
                    .contributions
                    .0
                    .iter()
                    .map(|(p, s)| (partner_index(p.as_str()), *s))
                    .collect(),
            });
        let rules = scenario
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| RuleModel {
                file: r.file.clone(),
                params: ParamModel::compile(
                    &Param::Map(r.params.clone()),
                    &format!("rules.{}.params", rule_key(&scenario.rules, i)),
                    &mut inputs,
                ),
            })
            .collect();
        let valuation = compile_valuation(scenario, &partners, &domains, &mut inputs);
        let parties = scenario
            .parties()
            .into_iter()
            .map(|p| {
                let members = p
                    .members
                    .iter()
                    .map(|id| partner_index(id.as_str()))
                    .collect();
                (p.is_entity().then_some(p.name), members)
            })
            .collect();
        correlate(scenario, &mut inputs);
        Model {
            name: scenario.name.clone(),
            start_year: r.start_year,
            horizon,
            inputs,
            population,
            birth_rate,
            mortality,
            migration,
            partners,
            domains,
            financiers,
            informal,
            interventions,
            transition,
            projection_inputs,
            rules,
            valuation,
            parties,
        }
    }

    /// Whether some of the financiers' changes in cost land outside the network: a domain's
    /// financier pays only its market share, or risk equalisation passes part on.
    pub fn has_outside_financiers(&self) -> bool {
        self.domains.iter().any(|d| d.financier_share.is_some())
            || self.financiers.iter().any(|f| f.equalisation.is_some())
    }

    /// Whether any domain's spare staff may move to another.
    pub fn moves_staff(&self) -> bool {
        self.domains.iter().any(|d| !d.staff_moves.is_empty())
    }

    /// Whether any domain moves part of its unmet demand to another.
    pub fn moves_unmet(&self) -> bool {
        self.domains.iter().any(|d| !d.moves.is_empty())
    }

    /// The domains partner `pi` delivers, each with its market share.
    pub fn market_of(&self, pi: usize) -> Market {
        self.domains
            .iter()
            .enumerate()
            .filter_map(|(d, dm)| {
                dm.providers
                    .iter()
                    .find(|(p, _)| *p == pi)
                    .map(|(_, s)| (d, *s))
            })
            .collect()
    }

    /// The partners that deliver care in some domain (those with a margin).
    pub fn providers(&self) -> impl Iterator<Item = (usize, &PartnerModel)> {
        self.partners.iter().enumerate().filter(|(pi, _)| {
            self.domains
                .iter()
                .any(|d| d.providers.iter().any(|(p, _)| p == pi))
        })
    }

    /// The simulated years, start to horizon.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.start_year..=self.horizon
    }
}

/// Adds the input `key` and returns its id. A number that is a shared input is keyed by the
/// shared input's name instead, so that every place using it draws from one stream.
fn add_input(inputs: &mut Vec<Input>, key: String, q: &Quantity) -> InputId {
    let key = q
        .shared
        .as_ref()
        .map_or(key, |name| format!("inputs.{name}"));
    inputs.push(Input::new(key, q.clone()));
    inputs.len() - 1
}

/// Puts the shared inputs that `correlations:` links into their groups: every place of a
/// member is drawn by the group's Gaussian copula (see [`crate::sampling::copula`]), members in
/// the order of `inputs:`. Every other input is drawn as before.
fn correlate(scenario: &Scenario, inputs: &mut [Input]) {
    use crate::sampling::{Coupling, copula};
    use std::sync::Arc;
    let order: Vec<&str> = scenario.inputs.0.iter().map(|(n, _)| n.as_str()).collect();
    let pairs: Vec<(&str, &str, f64)> = scenario
        .correlations
        .iter()
        .map(|c| (c.between[0].as_str(), c.between[1].as_str(), c.rank))
        .collect();
    for group in copula::groups(&order, &pairs) {
        // Checked when the scenario was read.
        let Ok(l) = copula::cholesky(&group.normal()) else {
            continue;
        };
        let keys: Vec<String> = group.names.iter().map(|n| format!("inputs.{n}")).collect();
        for (j, key) in keys.iter().enumerate() {
            let coupling = Arc::new(Coupling::new(&keys[..=j], &l[j][..=j]));
            for input in inputs.iter_mut().filter(|i| i.key == *key) {
                *input = input.clone().coupled(coupling.clone());
            }
        }
    }
}

fn compile_contract(
    d: &crate::scenario::Domain,
    k: &str,
    inputs: &mut Vec<Input>,
) -> ContractModel {
    let zero = Quantity::fixed(0.0);
    let Some(c) = &d.contract else {
        return ContractModel {
            kind: ContractKind::FeeForService,
            eur: None,
            per_person: Vec::new(),
            band_of_age: [0; AGES],
            growth: add_input(inputs, format!("{k}.contract.growth"), &zero),
            corridor: None,
            paid_above: add_input(inputs, format!("{k}.contract.paid_above"), &zero),
            efficiency_discount: add_input(
                inputs,
                format!("{k}.contract.efficiency_discount"),
                &zero,
            ),
        };
    };
    let k = format!("{k}.contract");
    ContractModel {
        kind: c.kind,
        eur: c
            .eur
            .as_ref()
            .map(|e| add_input(inputs, format!("{k}.eur"), &e.0)),
        per_person: c.per_person.as_ref().map_or_else(Vec::new, |t| {
            t.0.iter()
                .map(|(a, q)| add_input(inputs, format!("{k}.per_person.{a}"), &q.0))
                .collect()
        }),
        band_of_age: c.per_person.as_ref().map_or([0; AGES], |t| t.band_of_age()),
        growth: add_input(
            inputs,
            format!("{k}.growth"),
            c.growth.as_ref().map_or(&zero, |g| &g.0),
        ),
        corridor: c
            .corridor
            .as_ref()
            .map(|q| add_input(inputs, format!("{k}.corridor"), &q.0)),
        paid_above: add_input(
            inputs,
            format!("{k}.paid_above"),
            c.paid_above.as_ref().map_or(&zero, |q| &q.0),
        ),
        efficiency_discount: add_input(
            inputs,
            format!("{k}.efficiency_discount"),
            c.efficiency_discount.as_ref().map_or(&zero, |q| &q.0),
        ),
    }
}

/// How rule `i` is named in input keys: its file's stem, with `#2`, `#3`, ... for a second
/// and third use of the same file. Not its position, so that adding or removing another rule
/// (an overlay) leaves the random streams of this one's parameters as they were.
pub fn rule_key(rules: &[crate::scenario::RuleUse], i: usize) -> String {
    let stem = |r: &crate::scenario::RuleUse| {
        std::path::Path::new(&r.file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("rule")
            .to_string()
    };
    let own = stem(&rules[i]);
    let before = rules[..i].iter().filter(|r| stem(r) == own).count();
    if before == 0 {
        own
    } else {
        format!("{own}#{}", before + 1)
    }
}

/// The market shares of domain `di`'s providers: as the scenario gives them, or equal among
/// the partners that deliver it.
fn market_shares(
    di: usize,
    d: &crate::scenario::Domain,
    partners: &[PartnerModel],
) -> Vec<(usize, f64)> {
    if let Some(shares) = &d.market_shares {
        return shares
            .0
            .iter()
            .filter_map(|(p, s)| {
                partners
                    .iter()
                    .position(|x| x.id == p.as_str())
                    .map(|i| (i, *s))
            })
            .collect();
    }
    let delivering: Vec<usize> = partners
        .iter()
        .enumerate()
        .filter(|(_, p)| p.role == Role::Provider && p.delivers.contains(&di))
        .map(|(i, _)| i)
        .collect();
    let n = delivering.len() as f64;
    delivering.into_iter().map(|i| (i, 1.0 / n)).collect()
}
