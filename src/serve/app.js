// The what-if page of `kloof serve`. It draws a control per lever, keeps the levers moved
// away from the scenario in `moved` (also in the address, so a page can be shared), and
// after every move asks the server for the figures of those settings. Moves come faster than
// re-runs (an arrow key held down), so it waits a moment before asking and aborts a request
// that a newer one supersedes; the server also cancels the older simulation.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  var T = data.texts;
  var root = document.documentElement;
  var moved = {};
  var words = new Uint32Array(2);
  crypto.getRandomValues(words);
  var client = words[0].toString(36) + '-' + words[1].toString(36);
  var timer = null;
  var request = null;
  var asked = 0;

  function $(id) { return document.getElementById(id); }

  function number(x, decimals) {
    var s = Math.abs(x).toFixed(decimals);
    var parts = s.split('.');
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, T.decimal === ',' ? '.' : ',');
    return (x < 0 ? '-' : '') + whole + (parts[1] ? T.decimal + parts[1] : '');
  }

  function shown(lever, x) {
    if (x === null || x === undefined) return T.as_scenario;
    var decimals = (String(lever.step).split('.')[1] || '').length;
    switch (lever.unit) {
      case 'share': return number(x * 100, Math.max(0, decimals - 2)) + ' %';
      case 'rate': return number(x * 100, Math.max(0, decimals - 2)) + ' % ' + T.per_year;
      case 'eur': return T.eur + ' ' + number(x, 0);
      default: return number(x, decimals);
    }
  }

  function query() {
    return 'client=' + client + '&s=' + encodeURIComponent(JSON.stringify(moved));
  }

  function schedule() {
    root.dataset.state = 'pending';
    $('status').textContent = T.busy;
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  }

  function set(lever, value, control) {
    var base = lever.control === 'number' ? lever.base
      : lever.control === 'toggle' ? true : lever.options[0][0];
    if (value === base) delete moved[lever.id]; else moved[lever.id] = value;
    control.closest('.lever').classList.toggle('moved', lever.id in moved);
  }

  function draw() {
    var form = $('levers');
    form.textContent = '';
    ['inputs', 'agreement', 'partners'].forEach(function (group) {
      var levers = data.levers.filter(function (l) { return l.group === group; });
      if (!levers.length) return;
      var h = document.createElement('h2');
      h.textContent = T[group];
      form.appendChild(h);
      levers.forEach(function (lever) { form.appendChild(control(lever)); });
    });
  }

  function control(lever) {
    var box = document.createElement('div');
    box.className = 'lever ' + lever.control;
    box.dataset.lever = lever.id;
    var label = document.createElement('label');
    var id = 'lever-' + lever.id.replace(/[^A-Za-z0-9_-]/g, '-');
    label.htmlFor = id;
    var input;
    if (lever.control === 'number') {
      var out = document.createElement('output');
      label.textContent = lever.label + ' ';
      label.appendChild(out);
      input = document.createElement('input');
      input.type = 'range';
      input.min = lever.min;
      input.max = lever.max;
      input.step = lever.step;
      var start = lever.id in moved ? moved[lever.id] : lever.base;
      input.value = start === null ? (lever.min + lever.max) / 2 : start;
      out.textContent = shown(lever, start);
      input.addEventListener('input', function () {
        var x = Number(input.value);
        out.textContent = shown(lever, x);
        set(lever, x, input);
        schedule();
      });
      box.appendChild(label);
      box.appendChild(input);
    } else if (lever.control === 'toggle') {
      input = document.createElement('input');
      input.type = 'checkbox';
      input.checked = moved[lever.id] !== false;
      label.appendChild(input);
      label.appendChild(document.createTextNode(lever.label));
      input.addEventListener('change', function () { set(lever, input.checked, input); schedule(); });
      box.appendChild(label);
    } else {
      label.textContent = lever.label;
      input = document.createElement('select');
      lever.options.forEach(function (o) {
        var opt = document.createElement('option');
        opt.value = o[0];
        opt.textContent = o[1];
        input.appendChild(opt);
      });
      input.value = moved[lever.id] || lever.options[0][0];
      input.addEventListener('change', function () { set(lever, input.value, input); schedule(); });
      box.appendChild(label);
      box.appendChild(input);
    }
    input.id = id;
    if (lever.id in moved) box.classList.add('moved');
    return box;
  }

  function ask() {
    if (request) request.abort();
    request = new AbortController();
    var mine = ++asked;
    var settings = JSON.stringify(moved);
    fetch('/api/run?' + query(), { signal: request.signal })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
      .then(function (r) {
        if (mine !== asked || r.status === 409) return;
        if (r.status !== 200) {
          $('error').hidden = false;
          $('error').textContent = T.error + ': ' + r.body.error;
          root.dataset.state = 'error';
          $('status').textContent = '';
          return;
        }
        show(r.body, settings);
      })
      .catch(function (e) {
        if (e.name === 'AbortError' || mine !== asked) return;
        $('error').hidden = false;
        $('error').textContent = T.error + ': ' + e.message;
        root.dataset.state = 'error';
      });
  }

  function show(answer, settings) {
    var page = answer.page;
    $('error').hidden = true;
    var cards = $('figures');
    cards.textContent = '';
    page.figures.forEach(function (f) {
      var card = document.createElement('div');
      card.className = 'card';
      card.dataset.series = f.series;
      card.dataset.value = String(f.value);
      [['label', f.label], ['value', f.shown], ['margin', f.margin + ' ' + T.margin],
        ['diff', f.difference === null ? T.loaded + ': ' + (f.loaded || '–')
          : T.difference + ': ' + f.difference]].forEach(function (p) {
        var d = document.createElement('div');
        d.className = p[0];
        d.textContent = p[1];
        card.appendChild(d);
      });
      cards.appendChild(card);
    });
    // The server's HTML: every text in it escaped by kloof's document renderer.
    $('changes').innerHTML = page.changes;
    $('brief').innerHTML = page.brief;
    $('status').textContent = number(page.runs, 0) + ' ' + T.runs + ' · ' + T.precision + ' ±' +
      number(page.precision * 100, 1) + ' % · ' + number(answer.seconds, 1) + ' ' + T.seconds;
    $('overlay').textContent = answer.overlay;
    $('command').textContent = Object.keys(moved).length
      ? 'kloof run ' + answer.file + ' --runs ' + page.runs + ' --seed ' + page.seed
      : 'kloof run --runs ' + page.runs + ' --seed ' + page.seed;
    ['save', 'html', 'xlsx'].forEach(function (id) {
      var a = $(id);
      a.href = a.getAttribute('href').split('?')[0] + '?' + query();
    });
    root.dataset.runs = String(page.runs);
    root.dataset.shown = settings;
    root.dataset.state = 'ready';
    var hash = Object.keys(moved).length ? '#' + encodeURIComponent(JSON.stringify(moved)) : '';
    if (location.hash !== hash) history.replaceState(null, '', location.pathname + hash);
  }

  addEventListener('error', function (e) { root.dataset.state = 'error: ' + e.message; });
  if (location.hash.length > 1) {
    try { moved = JSON.parse(decodeURIComponent(location.hash.slice(1))) || {}; } catch (e) { moved = {}; }
  }
  $('reset').addEventListener('click', function () { moved = {}; draw(); schedule(); });
  draw();
  ask();
})();
