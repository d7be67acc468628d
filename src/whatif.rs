//! The what-if study behind `kloof serve`: a scenario held in memory, its levers, and a
//! setting of them run as an overlay beside the scenario as first loaded. The page's figures
//! are those of `kloof run` on the overlay it saves: the same text, applied by the same code
//! ([`crate::overlay::apply_on`]), simulated by the same study.

use std::path::Path;

use crate::Error;
use crate::compare::{self, Comparison};
use crate::lever::{Levers, Settings};
use crate::report::{self, Lang};
use crate::scenario::Scenario;
use crate::study::{self, Options, Source, Study};

/// A scenario and its levers, ready to answer settings.
#[derive(Debug)]
pub struct WhatIf {
    pub base: Source,
    pub scenario: Scenario,
    pub levers: Levers,
    pub lang: Lang,
}

impl WhatIf {
    /// Reads the levers of `base`, labelled in `lang`.
    pub fn new(base: Source, lang: Lang) -> Result<WhatIf, Error> {
        let scenario = base.parse()?;
        let levers = Levers::of(&scenario, &base.text, &base.path, &lang.to_string())?;
        Ok(WhatIf {
            base,
            scenario,
            levers,
            lang,
        })
    }

    /// The file name an overlay saved beside the scenario gives as its `base:`.
    fn base_file(&self) -> String {
        Path::new(self.base.path.trim_start_matches("(embedded) "))
            .file_name()
            .map_or_else(|| "scenario.yaml".into(), |f| f.to_string_lossy().into_owned())
    }

    /// The name of the overlay `settings` make: the scenario's, with `-wat-als` or `-what-if`.
    pub fn overlay_name(&self) -> String {
        format!("{}-{}", self.scenario.name, self.lang.pick("wat-als", "what-if"))
    }

    /// The overlay `settings` make, as a file saved beside the scenario reads.
    pub fn overlay(&self, settings: &Settings) -> Result<String, Error> {
        self.levers
            .overlay(settings, &self.base_file(), &self.overlay_name())
            .map_err(Error::Lever)
    }

    /// The scenario `settings` make: the overlay applied to the scenario in memory.
    pub fn source(&self, settings: &Settings) -> Result<Source, Error> {
        if settings.is_empty() {
            return Ok(self.base.clone());
        }
        let text = self.overlay(settings)?;
        let name = format!("{}.yaml", self.overlay_name());
        let path = match self.base.dir() {
            Some(d) => d.join(name),
            None => Path::new(&format!("(embedded) {name}")).to_path_buf(),
        };
        let a = crate::overlay::apply_on(&path, &text, Path::new(&self.base.path), &self.base.text)?;
        Ok(Source {
            path: a.path,
            text: a.text,
            // The embedded scenario's rules come from kloof's own library.
            rules_dir: self.base.dir(),
            absent: a.absent,
            ..Source::default()
        })
    }

    /// Simulates `settings` with `options` (runs, seed, cancellation).
    pub fn run(&self, settings: &Settings, options: &Options) -> Result<Study, Error> {
        study::run(&self.source(settings)?, options, &|_| {})
    }

    /// `now` beside `loaded` (the scenario as loaded, of the same runs): the comparison and
    /// the page's figures.
    pub fn page(&self, loaded: &Study, now: &Study) -> (Comparison, report::whatif::Page) {
        let c = compare::compare(&[loaded, now], options_value(now));
        let page = report::whatif::page(
            &loaded.outcomes,
            (&now.scenario, &now.manifest, &now.outcomes),
            &c,
            self.lang,
        );
        (c, page)
    }
}

fn options_value(s: &Study) -> crate::value::Value {
    if s.manifest.provenance.value.is_some() {
        crate::value::Value::Benefit
    } else {
        crate::value::Value::Money
    }
}
