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
            .map_or_else(
                || "scenario.yaml".into(),
                |f| f.to_string_lossy().into_owned(),
            )
    }

    /// The name of the overlay `settings` make: the scenario's, with `-wat-als` or `-what-if`.
    pub fn overlay_name(&self) -> String {
        format!(
            "{}-{}",
            self.scenario.name,
            self.lang.pick("wat-als", "what-if")
        )
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
        let a =
            crate::overlay::apply_on(&path, &text, Path::new(&self.base.path), &self.base.text)?;
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
        let c = compare::compare(
            &[loaded, now],
            crate::value::Value::recorded(&now.manifest.provenance),
        );
        let page = report::whatif::page(
            &loaded.outcomes,
            (&now.scenario, &now.manifest, &now.outcomes),
            &c,
            self.lang,
        );
        (c, page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lever::Setting;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    fn whatif() -> WhatIf {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/zoetermeer.yaml");
        WhatIf::new(Source::read(Path::new(path)).expect("reads"), Lang::Nl).expect("levers")
    }

    fn options(runs: u64) -> Options {
        Options {
            runs: Some(runs),
            ..Options::default()
        }
    }

    #[test]
    fn a_setting_runs_as_its_overlay_saved_beside_the_scenario() {
        let w = whatif();
        let settings: Settings = [
            ("go_no_go".to_string(), Setting::Choice("go_on".into())),
            ("take_part.vvt".to_string(), Setting::Toggle(false)),
        ]
        .into_iter()
        .collect();
        let now = w.run(&settings, &options(64)).expect("runs");
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("wat-als.yaml");
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/zoetermeer.yaml");
        let text = w.overlay(&settings).expect("an overlay");
        std::fs::write(
            &file,
            text.replace(
                "base: zoetermeer.yaml",
                &format!("base: {}", base.display()),
            ),
        )
        .expect("written");
        let saved =
            study::run(&Source::read(&file).expect("reads"), &options(64), &|_| {}).expect("runs");
        assert_eq!(
            now.outcomes.catalogue.series.len(),
            saved.outcomes.catalogue.series.len()
        );
        for (i, s) in now.outcomes.catalogue.series.iter().enumerate() {
            for y in 0..now.outcomes.years.len() {
                assert_eq!(
                    now.outcomes.values(i, y),
                    saved.outcomes.values(i, y),
                    "{s:?}"
                );
            }
        }
        // Going on whatever the board decides leaves no go/no-go variant to show.
        assert!(
            now.outcomes
                .get(crate::variant::CONTINUES, "gap.fte", 2030)
                .is_none()
        );
    }

    #[test]
    fn the_scenario_as_loaded_differs_from_itself_in_no_run() {
        let w = whatif();
        let loaded = w.run(&Settings::new(), &options(32)).expect("runs");
        let (c, page) = w.page(&loaded, &loaded);
        assert_eq!(c.names.len(), 2);
        assert_eq!(page.figures.len(), 4);
        for f in &page.figures {
            assert_eq!(
                f.difference.as_deref(),
                Some("geen, in geen enkele doorrekening"),
                "{}",
                f.series
            );
            assert_eq!(f.loaded.as_deref(), Some(f.shown.as_str()));
        }
        assert_eq!(page.runs, 32);
        assert!(page.brief.contains("<h1>Bestuurlijke samenvatting"));
        assert!(
            page.changes.contains("Zorgverzekeraars Menzis en CZ"),
            "partners by name"
        );
    }

    #[test]
    fn a_cancelled_simulation_stops_with_cancelled() {
        let w = whatif();
        let cancel = Arc::new(AtomicBool::new(true));
        let e = w
            .run(
                &Settings::new(),
                &Options {
                    cancel: Some(cancel),
                    ..options(64)
                },
            )
            .expect_err("cancelled");
        assert!(
            matches!(e, Error::Simulation(crate::simulator::SimError::Cancelled)),
            "{e}"
        );
    }

    #[test]
    fn settings_the_scenario_refuses_name_the_change() {
        let w = whatif();
        let settings: Settings = [("take_part.gemeente".to_string(), Setting::Toggle(false))]
            .into_iter()
            .collect();
        // Every partner may stay out; what the page cannot do is name a lever it lacks.
        assert!(w.source(&settings).is_ok());
        let settings: Settings = [("take_part.nobody".to_string(), Setting::Toggle(false))]
            .into_iter()
            .collect();
        assert!(
            w.source(&settings)
                .expect_err("no such lever")
                .to_string()
                .contains("no lever")
        );
    }
}
