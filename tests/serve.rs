//! `kloof serve` from outside, as a board's browser and a hostile client meet it: the server
//! starts on a free port; headless Chromium, driven over WebDriver (Debian's `chromedriver`,
//! spoken to in plain HTTP), loads the page, moves levers with real key presses and a click,
//! and the figures it shows equal those of a plain `kloof run` of the overlay the page saves;
//! malformed, oversized and foreign requests get a 4xx answer and the server keeps serving; a
//! newer request of a page cancels its older one; and a bounded load test on loopback states
//! the server's throughput and latency (the figures the README quotes).
//!
//! Chromium and chromedriver come from Debian's packages (`.ci/run` installs them when
//! missing); `KLOOF_CHROMIUM` and `KLOOF_CHROMEDRIVER` name other binaries. Without them the
//! browser test fails with the reason: it never passes by skipping.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const KLOOF: &str = env!("CARGO_BIN_EXE_kloof");

/// A `kloof serve` on a free port, stopped when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(KLOOF)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kloof starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the address is printed");
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|a| a.split('/').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, address }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: its status and body.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends `request` (a whole HTTP/1.1 request, closing the connection) and reads the answer;
/// a connection the server closes without answering has status 0.
fn exchange(address: SocketAddr, request: &[u8]) -> Answer {
    let mut s = TcpStream::connect(address).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    // A server may answer and close before reading all of a request it refuses.
    let _ = s.write_all(request);
    let raw = read_answer(&mut s);
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = match raw.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => raw[i + 4..].to_vec(),
        None => Vec::new(),
    };
    Answer { status, body }
}

/// An answer's bytes: up to the end of its head, then as many as its `Content-Length` says
/// (a WebDriver server keeps the connection open), or to the end of the connection.
fn read_answer(s: &mut TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => return raw,
            Ok(n) => n,
        };
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..i]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if let Some(length) = length {
                while raw.len() < i + 4 + length {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => raw.extend_from_slice(&buf[..n]),
                    }
                }
                return raw;
            }
        }
    }
}

fn request(method: &str, address: SocketAddr, path: &str, body: &str) -> Answer {
    let r = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(address, r.as_bytes())
}

fn get(address: SocketAddr, path: &str) -> Answer {
    request("GET", address, path, "")
}

/// `/api/run` for page `client` with `settings`.
fn run_path(client: &str, settings: &Value) -> String {
    let s: String = settings
        .to_string()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/api/run?client={client}&s={s}")
}

/// A binary from `PATH`, or the one `var` names, or why there is none.
fn binary(name: &str, var: &str, package: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is needed to drive the what-if page in a browser and none was found: \
                 install Debian's `{package}` package (.ci/run does when it is missing) or set {var}"
            )
        })
}

/// A WebDriver session of headless Chromium through chromedriver, ended when dropped.
struct Browser {
    driver: Child,
    address: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        let chromium = binary("chromium", "KLOOF_CHROMIUM", "chromium");
        let chromedriver = binary("chromedriver", "KLOOF_CHROMEDRIVER", "chromium-driver");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let start = Instant::now();
        while TcpStream::connect(address).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("profile");
        let mut b = Browser {
            driver,
            address,
            session: String::new(),
            _profile: profile,
        };
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1300,1800",
                     "--disable-background-networking", "--no-first-run",
                     format!("--user-data-dir={}", b._profile.path().display())]
        }}}});
        let answer = b.call("POST", "/session", &caps);
        b.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        b
    }

    fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let body = if method == "GET" {
            String::new()
        } else {
            body.to_string()
        };
        let a = request(method, self.address, path, &body);
        let v = a.json()["value"].clone();
        assert!(
            a.status == 200,
            "WebDriver {method} {path}: {} {v}",
            a.status
        );
        v
    }

    fn at(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    fn go(&self, url: &str) {
        self.call("POST", &self.at("/url"), &json!({ "url": url }));
    }

    fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            &self.at("/execute/sync"),
            &json!({"script": script, "args": []}),
        )
    }

    fn element(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            &self.at("/element"),
            &json!({"using": "css selector", "value": css}),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    fn keys(&self, css: &str, keys: &str) {
        let e = self.element(css);
        self.call(
            "POST",
            &self.at(&format!("/element/{e}/value")),
            &json!({ "text": keys }),
        );
    }

    fn click(&self, css: &str) {
        let e = self.element(css);
        self.call("POST", &self.at(&format!("/element/{e}/click")), &json!({}));
    }

    /// Waits (at most a minute) until the page shows the figures of `settings`; the page's
    /// figures then, by series.
    fn shown(&self, settings: &Value) -> BTreeMap<String, f64> {
        let want = settings.to_string();
        let start = Instant::now();
        loop {
            let d = self.script(
                "var d=document.documentElement.dataset;return [d.state||'', d.shown||''];",
            );
            let (state, shown) = (d[0].as_str().unwrap_or(""), d[1].as_str().unwrap_or(""));
            assert!(
                !state.starts_with("error"),
                "the page failed: {state}: {}",
                self.script("return document.getElementById('error').textContent")
            );
            if state == "ready"
                && serde_json::from_str::<Value>(shown).ok().as_ref() == Some(settings)
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the page never showed {want}; it is {state} with {shown}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let cards = self.script(
            "return Array.from(document.querySelectorAll('#figures .card')).map(function(c){return [c.dataset.series, Number(c.dataset.value), c.querySelector('.diff').textContent]});",
        );
        cards
            .as_array()
            .expect("cards")
            .iter()
            .map(|c| {
                (
                    c[0].as_str().expect("series").to_string(),
                    c[1].as_f64().expect("value"),
                )
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = request(
                "DELETE",
                self.address,
                &format!("/session/{}", self.session),
                "",
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The medians of `results.csv` in `dir`, by `variant/metric/year`.
fn medians(dir: &Path) -> BTreeMap<String, f64> {
    let text = std::fs::read_to_string(dir.join("results.csv")).expect("results.csv");
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().expect("header").split(',').collect();
    let p50 = head.iter().position(|h| *h == "p50").expect("a p50 column");
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                format!("{}/{}/{}", c[0], c[1], c[2]),
                c[p50].parse().expect("a number"),
            )
        })
        .collect()
}

/// `kloof run` of `overlay` (saved beside a copy of nothing: its `base:` made absolute) with
/// `runs`; its medians.
fn plain_run(overlay: &str, runs: u64) -> BTreeMap<String, f64> {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/zoetermeer.yaml");
    let text = overlay.replace(
        "base: zoetermeer.yaml",
        &format!("base: {}", base.display()),
    );
    assert_ne!(text, overlay, "the overlay names its base: {overlay}");
    let file = dir.path().join("wat-als.yaml");
    std::fs::write(&file, text).expect("overlay written");
    let out = dir.path().join("report");
    let status = Command::new(KLOOF)
        .args(["run", "--quiet", "--runs", &runs.to_string(), "--out"])
        .arg(&out)
        .arg(&file)
        .status()
        .expect("kloof runs");
    assert!(status.success());
    medians(&out)
}

fn assert_same(page: &BTreeMap<String, f64>, run: &BTreeMap<String, f64>) {
    assert_eq!(
        page.len(),
        4,
        "the page shows four headline figures: {page:?}"
    );
    for (series, value) in page {
        assert_eq!(
            Some(value),
            run.get(series),
            "{series}: the page against kloof run"
        );
    }
}

#[test]
fn moving_levers_in_a_browser_shows_what_kloof_run_of_the_saved_overlay_gives() {
    const RUNS: u64 = 400;
    let server = Server::start(&["--runs", "400"]);
    let browser = Browser::start();
    browser.go(&server.url("/"));
    let loaded = browser.shown(&json!({}));
    assert_same(
        &loaded,
        &medians(&{
            let dir = tempfile::tempdir().expect("tempdir").keep();
            let status = Command::new(KLOOF)
                .args(["run", "--quiet", "--runs", "400", "--out"])
                .arg(&dir)
                .status()
                .expect("kloof runs");
            assert!(status.success());
            dir
        }),
    );
    assert_eq!(
        browser.script("return document.documentElement.lang"),
        json!("nl"),
        "Dutch by default"
    );

    // Five presses of the left arrow: the insurers' share of the transition budget from 70 %
    // to 45 %; the municipality and the care office pay the rest, 2 : 1 as before.
    let share = "transition_budget.contributions.zorgverzekeraars";
    browser.keys(
        "#lever-transition_budget-contributions-zorgverzekeraars",
        &"\u{e012}".repeat(5),
    );
    let settings = json!({ share: 0.45 });
    let page = browser.shown(&settings);
    let overlay = browser.script("return document.getElementById('overlay').textContent");
    let overlay = overlay.as_str().expect("the overlay's text");
    assert!(overlay.contains("gemeente: 0.366667"), "{overlay}");
    assert_same(&page, &plain_run(overlay, RUNS));
    // Moving money between partners changes no partner's total, but it moves their balances:
    // the insurers pay less, so their balance rises against the scenario as loaded.
    let changes = browser.script("return document.getElementById('changes').textContent");
    assert!(
        changes
            .as_str()
            .is_some_and(|t| t.contains("Zorgverzekeraars")),
        "{changes}"
    );

    // Go on after the first milestone, and wages rising faster (four presses to the right:
    // 2.5 % to 3.5 % a year): the staff gap with the network and the partners' total move.
    browser.click("#lever-go_no_go option[value=after_2027]");
    browser.keys("#lever-inputs-wages_prices-mean", &"\u{e014}".repeat(4));
    let settings =
        json!({ share: 0.45, "go_no_go": "after_2027", "inputs.wages_prices.mean": 0.035 });
    let page = browser.shown(&settings);
    let overlay = browser.script("return document.getElementById('overlay').textContent");
    let overlay = overlay.as_str().expect("the overlay's text");
    assert!(
        overlay.contains("rules.go_no_go.params.years:\n  - 2029"),
        "{overlay}"
    );
    assert_same(&page, &plain_run(overlay, RUNS));
    assert_ne!(page["network/gap.fte/2030"], loaded["network/gap.fte/2030"]);
    let diff = browser.script(
        "return document.querySelector('[data-series=\"network/gap.fte/2030\"] .diff').textContent",
    );
    assert!(
        diff.as_str().is_some_and(|d| d.contains('−')),
        "the gap falls against the scenario as loaded: {diff}"
    );

    // The page says how many runs it shows, and how precise.
    let status = browser.script("return document.getElementById('status').textContent");
    assert!(
        status
            .as_str()
            .is_some_and(|s| s.starts_with("400 doorrekeningen") && s.contains("±")),
        "{status}"
    );
    // The export links carry the settings.
    let href = browser.script("return document.getElementById('xlsx').getAttribute('href')");
    let href = href.as_str().expect("href");
    let xlsx = get(server.address, href);
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK"), "a workbook is a zip file");
}

#[test]
fn bad_and_hostile_requests_get_a_4xx_and_the_server_keeps_serving() {
    let server = Server::start(&["--runs", "40"]);
    let a = server.address;
    let bad: Vec<(&str, Answer, u16)> = vec![
        (
            "unreadable settings",
            get(a, "/api/run?client=t&s=%7Bnot%20json"),
            400,
        ),
        (
            "a setting no lever has",
            get(a, &run_path("t", &json!({"region.name": 1}))),
            400,
        ),
        (
            "a value out of range",
            get(a, &run_path("t", &json!({"inputs.wages_prices.mean": 0.5}))),
            400,
        ),
        (
            "a setting of the wrong kind",
            get(a, &run_path("t", &json!({"go_no_go": 3}))),
            400,
        ),
        (
            "a client name with markup",
            get(a, "/api/run?client=%3Cscript%3E&s=%7B%7D"),
            400,
        ),
        (
            "settings of 20 KB",
            get(a, &format!("/api/run?client=t&s={}", "a".repeat(20_000))),
            413,
        ),
        ("a path outside the page", get(a, "/../../etc/passwd"), 404),
        ("a POST", request("POST", a, "/api/run", "{}"), 405),
        (
            "a body of 100 GB announced",
            exchange(
                a,
                format!(
                    "POST /api/run HTTP/1.1\r\nHost: {a}\r\nContent-Length: 99999999999\r\n\r\n"
                )
                .as_bytes(),
            ),
            405,
        ),
        (
            "another host (DNS rebinding)",
            exchange(
                a,
                b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
            ),
            421,
        ),
        (
            "garbage",
            exchange(a, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n"),
            400,
        ),
        (
            "HTTP/9.9",
            exchange(a, b"GET / HTTP/9.9\r\nHost: x\r\n\r\n"),
            400,
        ),
    ];
    for (what, answer, status) in &bad {
        assert_eq!(
            answer.status,
            *status,
            "{what}: {}",
            String::from_utf8_lossy(&answer.body)
        );
    }
    // A settings error says what is wrong, for the page to show.
    let e = get(a, &run_path("t", &json!({"inputs.wages_prices.mean": 0.5}))).json();
    assert!(
        e["error"]
            .as_str()
            .is_some_and(|m| m.contains("outside 0 to 0.06")),
        "{e}"
    );
    // A header line of 1 MB: refused or the connection closed, never served.
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: {a}\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let answer = exchange(a, huge.as_bytes());
    assert!(
        answer.status == 0 || (400..500).contains(&answer.status),
        "{}",
        answer.status
    );
    // Still serving.
    assert_eq!(get(a, "/").status, 200);
    let ok = get(a, &run_path("t", &json!({})));
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(ok.json()["page"]["runs"], json!(40));
}

#[test]
fn a_newer_request_of_a_page_cancels_its_older_one() {
    // 10,000 runs of the scenario as loaded and of the settings take about a second on two
    // cores; the second request comes a tenth of a second after the first.
    let server = Server::start(&["--runs", "10000"]);
    let a = server.address;
    let first = std::thread::spawn(move || get(a, &run_path("page", &json!({"wtp": 50000}))));
    std::thread::sleep(Duration::from_millis(100));
    let second = get(a, &run_path("page", &json!({"wtp": 60000})));
    let first = first.join().expect("first request");
    assert_eq!(
        first.status,
        409,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(
        second.status,
        200,
        "{}",
        String::from_utf8_lossy(&second.body)
    );
}

/// Loopback load: 8 connections at once, 200 requests in all (the page, and re-runs of 40
/// runs by 8 pages), bounded at two minutes. Every answer is a 200; prints throughput and
/// latency (run with `--nocapture` to read them).
#[test]
fn the_server_answers_concurrent_requests_without_errors() {
    let server = Server::start(&["--runs", "40"]);
    let a = server.address;
    let start = Instant::now();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                let mut times = Vec::new();
                for i in 0..25 {
                    if start.elapsed() > Duration::from_secs(120) {
                        break;
                    }
                    let path = if i % 2 == 0 {
                        "/".to_string()
                    } else {
                        run_path(
                            &format!("load-{t}"),
                            &json!({"inputs.wages_prices.mean": 0.0025 * f64::from(i % 20)}),
                        )
                    };
                    let clock = Instant::now();
                    let answer = get(a, &path);
                    assert_eq!(
                        answer.status,
                        200,
                        "{path}: {}",
                        String::from_utf8_lossy(&answer.body)
                    );
                    times.push((i % 2 == 0, clock.elapsed().as_secs_f64()));
                }
                times
            })
        })
        .collect();
    let times: Vec<(bool, f64)> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a client"))
        .collect();
    let wall = start.elapsed().as_secs_f64();
    assert_eq!(times.len(), 200, "every request within two minutes");
    let quantile = |page: bool, q: f64| {
        let mut t: Vec<f64> = times.iter().filter(|x| x.0 == page).map(|x| x.1).collect();
        t.sort_by(f64::total_cmp);
        t[((t.len() - 1) as f64 * q).round() as usize]
    };
    eprintln!(
        "load: 200 requests over 8 connections in {wall:.2} s ({:.0} requests/s); the page: median {:.1} ms, \
         P95 {:.1} ms; a re-run of 40 runs: median {:.0} ms, P95 {:.0} ms",
        200.0 / wall,
        quantile(true, 0.5) * 1e3,
        quantile(true, 0.95) * 1e3,
        quantile(false, 0.5) * 1e3,
        quantile(false, 0.95) * 1e3
    );
}
