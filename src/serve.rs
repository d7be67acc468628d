//! `kloof serve`: the what-if page over HTTP. The page ([`PAGE`], [`APP`]) asks
//! `/api/run` for the figures of its levers' settings; the server re-runs the scenario as an
//! overlay ([`kloof::whatif`]) beside the scenario as loaded and answers with the page's
//! figures and HTML. axum on tokio serves it: in the measurements behind issue 26 it kept
//! serving under every hostile request tried (a 200 MB header line, a huge announced body,
//! 1,000 slow connections), where a hand-written std server refused normal requests.
//!
//! Safe by default: loopback only (unless `--bind`), requests for other hosts refused (a web
//! page elsewhere cannot reach the server through DNS rebinding), GET only, settings limited
//! in size and checked lever by lever, one simulation per page (a newer request cancels the
//! older one) and at most [`SIMULATIONS`] at once. Nothing a request says reaches the file
//! system: the scenario and its rules are the ones named on the command line.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kloof::Error;
use kloof::lever::Settings;
use kloof::report::{self, Lang};
use kloof::simulator::{Cancel, SimError};
use kloof::study::{Options, Source, Study};
use kloof::whatif::WhatIf;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Kloof(#[from] Error),
    #[error("cannot serve the page: {0}")]
    Io(#[from] std::io::Error),
}

impl From<kloof::scenario::ScenarioError> for ServeError {
    fn from(e: kloof::scenario::ScenarioError) -> ServeError {
        ServeError::Kloof(e.into())
    }
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Scenario file (YAML); without it, the default scenario (Zoetermeer) built into kloof.
    pub scenario: Option<PathBuf>,
    /// Port to listen on; 0 picks a free one (the address is printed).
    #[arg(long, default_value_t = 8330)]
    pub port: u16,
    /// Address to listen on. The default serves this machine only; another address lets
    /// others on the network use the page (and the machine's cores).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Runs per re-run [default: as many as answer within about a second, up to the
    /// scenario's runs].
    #[arg(long)]
    pub runs: Option<u64>,
    /// Language of the page: nl (default) or en.
    #[arg(long, default_value = "nl")]
    pub lang: Lang,
}

/// Simulations at once, over all pages: each uses every core, so more only queue inside.
const SIMULATIONS: usize = 2;
/// How long a request waits for a free simulation before the page hears the server is busy.
const QUEUE: Duration = Duration::from_secs(20);
/// The largest settings a page sends (a few hundred bytes in practice).
const MAX_SETTINGS: usize = 8 * 1024;
/// What one re-run may take, for the run count the server picks.
const TARGET: Duration = Duration::from_millis(800);
/// The run counts the server chooses from: few, so that the scenario as loaded is simulated
/// once per count and kept.
const LEVELS: [u64; 7] = [250, 500, 1_000, 2_000, 5_000, 10_000, 20_000];

const PAGE: &str = include_str!("serve/page.html");
const APP: &str = include_str!("serve/app.js");

struct App {
    whatif: WhatIf,
    /// `--runs`, when given.
    fixed_runs: Option<u64>,
    /// Seconds per run of the last re-run, for the next run count.
    per_run: Mutex<Option<f64>>,
    /// The scenario as loaded, per run count.
    loaded: Mutex<BTreeMap<u64, Arc<Study>>>,
    /// Per page, the cancel flag of its simulation under way.
    clients: Mutex<HashMap<String, Cancel>>,
    simulations: tokio::sync::Semaphore,
    /// The hosts a request may name (loopback names with the port, or any with `--bind`).
    hosts: Option<Vec<String>>,
    page: String,
}

/// Starts the server and serves until stopped.
pub fn serve(args: &ServeArgs) -> Result<(), ServeError> {
    let source = match &args.scenario {
        Some(p) => Source::read(p)?,
        None => Source::embedded_default(),
    };
    let whatif = WhatIf::new(source, args.lang)?;
    if args.runs == Some(0) {
        return Err(Error::Options("--runs must be at least 1".into()).into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Io)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.bind, args.port))
            .await
            .map_err(ServeError::Io)?;
        let address = listener.local_addr().map_err(ServeError::Io)?;
        let port = address.port();
        let hosts = args.bind.is_loopback().then(|| {
            ["127.0.0.1", "localhost", "[::1]"]
                .iter()
                .map(|h| format!("{h}:{port}"))
                .collect()
        });
        let page = page(&whatif, args.lang);
        let app = Arc::new(App {
            whatif,
            fixed_runs: args.runs,
            per_run: Mutex::new(None),
            loaded: Mutex::new(BTreeMap::new()),
            clients: Mutex::new(HashMap::new()),
            simulations: tokio::sync::Semaphore::new(SIMULATIONS),
            hosts,
            page,
        });
        let router = Router::new()
            .route("/", get(index))
            .route("/app.js", get(app_js))
            .route("/api/run", get(run))
            .route("/export/overlay.yaml", get(export_overlay))
            .route("/export/report.html", get(export_report))
            .route("/export/report.xlsx", get(export_report))
            .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
            .layer(middleware::from_fn_with_state(app.clone(), guard))
            .with_state(app);
        let shown = if args.bind.is_unspecified() {
            SocketAddr::new(IpAddr::from([127, 0, 0, 1]), port)
        } else {
            address
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "kloof serve: http://{shown}/ (Ctrl-C stops)").map_err(ServeError::Io)?;
        out.flush().map_err(ServeError::Io)?;
        drop(out);
        axum::serve(listener, router).await.map_err(ServeError::Io)
    })
}

/// Refuses requests for another host (DNS rebinding) and every method but GET, and marks
/// every answer as not to be cached or sniffed.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if let Some(hosts) = &app.hosts
        && !hosts.iter().any(|h| h == host)
    {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers for this machine only\n",
        )
            .into_response();
    }
    if request.method() != axum::http::Method::GET && request.method() != axum::http::Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "only GET\n").into_response();
    }
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn index(State(app): State<Arc<App>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
                 connect-src 'self'; img-src 'self' data:; form-action 'none'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
        app.page.clone(),
    )
        .into_response()
}

async fn app_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP,
    )
        .into_response()
}

/// A refusal the page shows as it is.
fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

/// The settings a request carries in `s` (JSON, lever id to value), or why not.
fn settings(query: &HashMap<String, String>) -> Result<Settings, Response> {
    let text = query.get("s").map_or("{}", String::as_str);
    if text.len() > MAX_SETTINGS {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the settings are too long",
        ));
    }
    serde_json::from_str(text)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, format!("unreadable settings: {e}")))
}

/// A page's own name for itself: letters, digits and `-`, at most 64.
fn client(query: &HashMap<String, String>) -> Result<String, Response> {
    let c = query.get("client").map_or("anonymous", String::as_str);
    if c.is_empty() || c.len() > 64 || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
    {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "a client name is letters, digits and -",
        ));
    }
    Ok(c.to_string())
}

impl App {
    /// The runs of the next re-run: `--runs`, or the most of [`LEVELS`] that the last re-run's
    /// speed fits in [`TARGET`], never more than the scenario's own.
    fn runs(&self) -> u64 {
        if let Some(r) = self.fixed_runs {
            return r;
        }
        let most = self.whatif.scenario.monte_carlo.runs;
        let per_run = *self.per_run.lock().unwrap_or_else(|e| e.into_inner());
        let level = match per_run {
            None => 1_000,
            Some(s) => (LEVELS.iter().copied())
                .filter(|&n| n as f64 * s <= TARGET.as_secs_f64())
                .max()
                .unwrap_or(LEVELS[0]),
        };
        level.min(most).max(1)
    }

    /// The scenario as loaded at `runs`, simulated once and kept.
    fn loaded(&self, runs: u64, cancel: &Cancel) -> Result<Arc<Study>, Error> {
        if let Some(s) = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&runs)
        {
            return Ok(s.clone());
        }
        let study = Arc::new(self.whatif.run(&Settings::new(), &options(runs, cancel))?);
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(runs, study.clone());
        Ok(study)
    }

    /// Runs `settings` for page `client`: its earlier simulation is cancelled, and this one
    /// waits for a free slot. `work` gets the study of the settings.
    async fn simulate<T: Send + 'static>(
        self: &Arc<App>,
        client: String,
        settings: Settings,
        work: impl FnOnce(&App, Arc<Study>, Study) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Response> {
        let cancel: Cancel = Arc::new(AtomicBool::new(false));
        if let Some(older) = self
            .clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(client.clone(), cancel.clone())
        {
            older.store(true, Ordering::Relaxed);
        }
        let permit = match tokio::time::timeout(QUEUE, self.simulations.acquire()).await {
            Ok(Ok(p)) => p,
            _ => {
                return Err(refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server is busy with other pages; try again",
                ));
            }
        };
        let app = self.clone();
        let flag = cancel.clone();
        let result = tokio::task::spawn_blocking(move || {
            if flag.load(Ordering::Relaxed) {
                return Err(Error::Simulation(SimError::Cancelled));
            }
            let runs = app.runs();
            let loaded = app.loaded(runs, &flag)?;
            let clock = Instant::now();
            let now = app.whatif.run(&settings, &options(runs, &flag))?;
            *app.per_run.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(clock.elapsed().as_secs_f64() / runs as f64);
            work(&app, loaded, now)
        })
        .await;
        drop(permit);
        {
            let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
            if clients
                .get(&client)
                .is_some_and(|c| Arc::ptr_eq(c, &cancel))
            {
                clients.remove(&client);
            }
        }
        match result {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(Error::Simulation(SimError::Cancelled))) => Err(refuse(
                StatusCode::CONFLICT,
                "superseded by a newer request of the same page",
            )),
            Ok(Err(e)) => Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
            Err(e) => Err(refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
        }
    }
}

fn options(runs: u64, cancel: &Cancel) -> Options {
    Options {
        runs: Some(runs),
        cancel: Some(cancel.clone()),
        ..Options::default()
    }
}

async fn run(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (settings, client) = match (settings(&query), client(&query)) {
        (Ok(s), Ok(c)) => (s, c),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    // A setting no lever allows is refused before anything is simulated.
    let overlay = match app.whatif.overlay(&settings) {
        Ok(o) => o,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let clock = Instant::now();
    let answer = app
        .simulate(client, settings, |app, loaded, now| {
            let (_, page) = app.whatif.page(&loaded, &now);
            Ok(page)
        })
        .await;
    match answer {
        Ok(page) => Json(serde_json::json!({
            "page": page,
            "seconds": clock.elapsed().as_secs_f64(),
            "overlay": overlay,
            "file": format!("{}.yaml", app.whatif.overlay_name()),
        }))
        .into_response(),
        Err(r) => r,
    }
}

async fn export_overlay(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let settings = match settings(&query) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match app.whatif.overlay(&settings) {
        Ok(text) => download(
            "application/yaml; charset=utf-8",
            &format!("{}.yaml", app.whatif.overlay_name()),
            text.into_bytes(),
        ),
        Err(e) => refuse(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// The board report of the settings, as `kloof run` writes it: `report.html` or `report.xlsx`
/// by the path asked.
async fn export_report(
    State(app): State<Arc<App>>,
    uri: axum::http::Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (settings, client) = match (settings(&query), client(&query)) {
        (Ok(s), Ok(c)) => (s, c),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let file = if uri.path().ends_with(".xlsx") {
        "report.xlsx"
    } else {
        "report.html"
    };
    let lang = app.whatif.lang;
    let answer = app
        .simulate(format!("{client}-export"), settings, move |_, _, now| {
            let about = report::About::of(&now.scenario, &now.outcomes);
            let files = report::files(&now.manifest, &now.outcomes, &about, lang)?;
            Ok(files
                .into_iter()
                .find(|(n, _)| *n == file)
                .map(|(_, b)| b)
                .unwrap_or_default())
        })
        .await;
    match answer {
        Ok(bytes) => {
            let kind = if file.ends_with(".xlsx") {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            } else {
                "text/html; charset=utf-8"
            };
            let name = format!("{}-{file}", app.whatif.overlay_name());
            download(kind, &name, bytes)
        }
        Err(r) => r,
    }
}

fn download(kind: &str, name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    if let (Ok(k), Ok(d)) = (
        HeaderValue::from_str(kind),
        HeaderValue::from_str(&disposition),
    ) {
        h.insert(header::CONTENT_TYPE, k);
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    r
}

/// The page: its shell with the levers and the texts of its language as JSON data (read by
/// [`APP`], never run).
fn page(whatif: &WhatIf, lang: Lang) -> String {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let data = serde_json::json!({
        "lang": lang.to_string(),
        "levers": whatif.levers.levers,
        "texts": {
            "inputs": l("Invoer", "Inputs"),
            "agreement": l("Afspraken", "Agreement"),
            "partners": l("Deelnemende partners", "Partners taking part"),
            "as_scenario": l("zoals in het scenario", "as in the scenario"),
            "busy": l("Bezig met doorrekenen…", "Computing…"),
            "runs": l("doorrekeningen", "runs"),
            "precision": l("personeelstekort met netwerk nauwkeurig op", "staff gap with the network precise to within"),
            "margin": l("(95 %-marge)", "(95 % margin)"),
            "seconds": l("seconden", "seconds"),
            "now": l("nu", "now"),
            "loaded": l("zoals geladen", "as loaded"),
            "difference": l("verschil", "difference"),
            "per_year": l("per jaar", "per year"),
            "error": l("Deze instelling kan niet worden doorgerekend", "These settings cannot be computed"),
            "decimal": l(",", "."),
            "eur": l("€", "EUR"),
        },
    });
    let json = data.to_string().replace("</", "<\\/");
    let title = kloof::report::one_line(&whatif.scenario.title);
    PAGE.replace("{{lang}}", &lang.to_string())
        .replace("{{title}}", &report::escape(&title))
        .replace(
            "{{heading}}",
            &report::escape(&format!("{}: {title}", l("Wat als", "What if"))),
        )
        .replace(
            "{{reset}}",
            &l("Terug naar het scenario", "Back to the scenario"),
        )
        .replace(
            "{{save}}",
            &l(
                "Instellingen bewaren (overlay)",
                "Save the settings (overlay)",
            ),
        )
        .replace("{{html}}", &l("Rapport (HTML)", "Report (HTML)"))
        .replace("{{xlsx}}", &l("Werkmap (XLSX)", "Workbook (XLSX)"))
        .replace(
            "{{command}}",
            &l(
                "Zelfde doorrekening op de opdrachtregel",
                "The same computation on the command line",
            ),
        )
        .replace("{{data}}", &json)
}
