"""The gallery's HTML: a page per task and the front page, static and self-contained.

Plain HTML with inline CSS and a few lines of plain JavaScript (filters by model, class and
dataset; one player at a time; a switch that plays the signals at their true relative levels).
No network, no framework; every path is relative, so a page works from ``file://`` and from any
static web server. Every value is escaped; every path is URL-quoted.
"""
from __future__ import annotations

import html
import math
from urllib.parse import quote

import pandas as pd

from transferability.report.explanation_figure import describe_level
from transferability.report.gallery import (
    PAGE,
    SIGNAL_LABELS,
    Acceptance,
    CompositeView,
    ItemBlock,
    ModelCard,
    SignalView,
    TaskPage,
    TaskSummary,
)

METRICS = {"alpha": "α (same class)", "beta": "β (low entropy)", "joint": "joint (both)"}
SYMBOLS = {"alpha": "α", "beta": "β", "joint": "joint"}
MARK_CLASSES = {(True, True): "joint", (True, False): "alpha", (False, True): "beta", (False, False): "none"}

STYLE = """
:root { --joint: #b7e1b0; --alpha: #fbe7a1; --beta: #bcd7f5; --none: #eeeeee; --line: #d0d0d0; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1500px; padding: 0 16px 40px; color: #1d1d1d; }
h1 { margin: 16px 0 4px; } h2 { margin-top: 32px; border-bottom: 1px solid var(--line); }
h2, section.item { scroll-margin-top: 56px; }
nav.bar { position: sticky; top: 0; background: #fff; padding: 8px 0; border-bottom: 1px solid var(--line); z-index: 1;
          display: flex; flex-wrap: wrap; gap: 14px; align-items: center; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 4px; border-radius: 3px; }
.joint { background: var(--joint); } .alpha { background: var(--alpha); } .beta { background: var(--beta); }
.none { background: var(--none); } .self { background: #fff; outline: 1px dashed #999; outline-offset: -3px; }
.unscored { color: #888; }
section.item { border: 1px solid var(--line); border-radius: 6px; margin: 18px 0; padding: 8px 12px; }
section.item > h3 { margin: 4px 0; } .muted { color: #666; }
article.card { border-top: 1px solid var(--line); padding: 10px 0; display: flex; flex-wrap: wrap; gap: 16px; }
article.card img { width: 480px; max-width: 100%; height: auto; border: 1px solid #eee; }
article.card .detail { flex: 1 1 600px; min-width: 0; overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0; } th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: center; vertical-align: middle; }
th { background: #f6f6f6; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.signals audio { width: 190px; height: 32px; display: block; }
td.mark small, td.self small { display: block; color: #333; font-size: 11px; }
.matrices { display: flex; flex-wrap: wrap; gap: 18px; } .matrices table caption { font-weight: 600; text-align: left; }
table.composites audio { width: 200px; height: 32px; display: block; } table.composites small { display: block; }
footer { margin-top: 40px; color: #666; font-size: 12px; }
"""

SCRIPT = """
(function () {
  var filters = Array.prototype.slice.call(document.querySelectorAll('select[data-filter]'));
  var items = Array.prototype.slice.call(document.querySelectorAll('section.item'));
  var counter = document.getElementById('shown');
  function apply() {
    var wanted = {};
    filters.forEach(function (f) { wanted[f.dataset.filter] = f.value; });
    var shown = 0, total = 0;
    items.forEach(function (item) {
      var itemOk = (!wanted.label || item.dataset.label === wanted.label) &&
                   (!wanted.dataset || item.dataset.dataset === wanted.dataset);
      var visible = 0;
      item.querySelectorAll('article.card').forEach(function (card) {
        var ok = itemOk && (!wanted.model || card.dataset.model === wanted.model);
        card.hidden = !ok; total += 1; if (ok) { visible += 1; shown += 1; }
      });
      item.hidden = !itemOk || (wanted.model && visible === 0);
    });
    if (counter) { counter.textContent = shown + ' of ' + total + ' explanations shown'; }
  }
  filters.forEach(function (f) { f.addEventListener('change', apply); });
  var relative = document.getElementById('relative-level');
  function levels() {
    document.querySelectorAll('audio[data-gain]').forEach(function (a) {
      a.volume = relative && relative.checked ? Number(a.dataset.gain) : 1;
    });
  }
  if (relative) { relative.addEventListener('change', levels); }
  document.addEventListener('play', function (event) {
    document.querySelectorAll('audio').forEach(function (a) { if (a !== event.target) { a.pause(); } });
  }, true);
  apply(); levels();
})();
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _url(path: str) -> str:
    return _e(quote(path))


def _number(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def _document(title: str, body: str, script: str = "") -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<link rel=\"icon\" href=\"data:,\">\n"
            f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n"
            + (f"<script>{script}</script>\n" if script else "") + "</body>\n</html>\n")


def _select(name: str, label: str, options: list[str]) -> str:
    choices = "".join(f"<option value=\"{_e(o)}\">{_e(o)}</option>" for o in options)
    return f"<label>{_e(label)} <select data-filter=\"{_e(name)}\"><option value=\"\">all</option>{choices}</select></label>"


def legend(page: TaskPage) -> str:
    k = len(page.labels)
    return (
        "<p class=\"legend\">Other models on each signal: "
        "<span class=\"joint\">joint: same class and low entropy</span>"
        "<span class=\"alpha\">α only: same class</span>"
        "<span class=\"beta\">β only: low entropy, other class</span>"
        "<span class=\"none\">neither</span>"
        "<span class=\"self\">the explaining model</span>"
        f" — each cell: the model's class and probability, H its output entropy in bits, α when the class is the "
        f"explained one, β when H ≤ ε·log2 K = {page.epsilon:g} × log2 {k} = {page.bound_bits:.3f} (Definition 4).</p>"
    )


def _mark(mark: Acceptance, explained: str, bound: float) -> str:
    kind = "self" if mark.is_source else MARK_CLASSES[mark.same_class, mark.low_entropy]
    relation = "≤" if mark.low_entropy else ">"
    title = (f"{mark.target}: {mark.predicted_class} (p = {mark.probability:.3f}); explained class {explained}; "
             f"entropy {mark.entropy_bits:.3f} bits {relation} {bound:.3f}"
             + ("; the explaining model (not counted in the tables)" if mark.is_source else ""))
    return (f"<td class=\"mark {kind}\" data-target=\"{_e(mark.target)}\" data-predicted=\"{_e(mark.predicted_class)}\" "
            f"data-alpha=\"{str(mark.same_class).lower()}\" data-beta=\"{str(mark.low_entropy).lower()}\" "
            f"data-joint=\"{str(mark.transfers).lower()}\" data-entropy=\"{mark.entropy_bits:.6f}\" title=\"{_e(title)}\">"
            f"{_e(mark.predicted_class)} {mark.probability:.2f}<small>H {mark.entropy_bits:.2f}"
            f"{' α' if mark.same_class else ''}{' β' if mark.low_entropy else ''}</small></td>")


def _signal_row(view: SignalView, card: ModelCard, models: list[str], bound: float) -> str:
    bins = "" if view.bins is None else f"{view.bins:,}<small class=\"muted\"> ({100 * view.fraction:.3g}%)</small>"
    level = "0 dB (reference)" if view.name == "original" else describe_level(view.level_db)
    own = ("n/a" if view.source_class is None
           else f"{_e(view.source_class)}<small>p({_e(card.explained_class)}) = {_number(view.source_confidence)}</small>")
    cells = [f"<th>{_e(SIGNAL_LABELS[view.name])}</th>",
             f"<td><audio controls preload=\"metadata\" src=\"{_url(view.audio)}\" data-gain=\"{view.gain:.6f}\"></audio></td>",
             f"<td class=\"num\">{bins}</td>", f"<td class=\"num\">{level}</td>", f"<td class=\"self\">{own}</td>"]
    if view.acceptance:
        by_target = {mark.target: mark for mark in view.acceptance}
        for model in models:
            if model == card.model:
                continue
            mark = by_target.get(model)
            cells.append(_mark(mark, card.explained_class, bound) if mark else "<td class=\"unscored\">—</td>")
    else:
        cells += ["<td class=\"unscored\" title=\"not scored across models\">not scored</td>"] * (len(models) - 1)
    return f"<tr data-signal=\"{_e(view.name)}\">{''.join(cells)}</tr>"


def _card(card: ModelCard, block: ItemBlock, page: TaskPage) -> str:
    models = [m.name for m in page.models]
    flags = []
    if card.chain_stable is False:
        flags.append("chains never reached length 2")
    if card.converged is False:
        flags.append("responsibility not converged")
    others = "".join(f"<th>{_e(m)}</th>" for m in models if m != card.model)
    head = (f"<tr><th>signal</th><th>listen</th><th>bins</th><th>level re original</th>"
            f"<th>{_e(card.model)} (explains)</th>{others}</tr>")
    rows = "".join(_signal_row(view, card, models, page.bound_bits) for view in card.signals)
    alt = f"{block.item_id}: spectrum with the bins {card.model} keeps, and each signal at its own scale"
    return (
        f"<article class=\"card\" data-model=\"{_e(card.model)}\" data-item=\"{_e(block.item_id)}\" "
        f"data-explained=\"{_e(card.explained_class)}\">"
        f"<a href=\"{_url(card.figure)}\" title=\"full size\"><img src=\"{_url(card.figure)}\" alt=\"{_e(alt)}\" "
        "loading=\"lazy\" width=\"480\"></a>"
        f"<div class=\"detail\"><h4>{_e(card.model)} explains it as <b>{_e(card.explained_class)}</b> "
        f"(p0 = {card.p0:.3f})" + (f" <span class=\"muted\">— {_e('; '.join(flags))}</span>" if flags else "")
        + f"</h4><table class=\"signals\"><thead>{head}</thead><tbody>{rows}</tbody></table>"
        "<p class=\"muted\">Players play every signal scaled to the same peak; the level column gives its true RMS "
        "level, and “play at relative levels” restores it.</p></div></article>"
    )


def _item(block: ItemBlock, page: TaskPage) -> str:
    missing = (f"<p class=\"muted\">Not explained (status not ok) by {_e(', '.join(block.missing))}.</p>"
               if block.missing else "")
    cards = "".join(_card(card, block, page) for card in block.cards)
    return (f"<section class=\"item\" data-label=\"{_e(block.label)}\" data-dataset=\"{_e(block.dataset)}\" "
            f"id=\"item-{_e(block.item_id)}\"><h3>{_e(block.item_id)} "
            f"<span class=\"muted\">— {_e(block.dataset)}, class {_e(block.label)}</span></h3>{missing}{cards}</section>")


def _matrix(frame: pd.DataFrame, models: list[str], caption: str) -> str:
    cells = {(r.source, r.target): r for r in frame.itertuples(index=False)}
    head = "".join(f"<th>{_e(m)}</th>" for m in models) + "<th>Avg</th>"
    rows = []
    for source in models:
        row = [f"<th>{_e(source)}</th>"]
        for target in [*models, "row_average"]:
            cell = cells.get((source, target))
            if source == target or cell is None or pd.isna(cell.value):
                row.append("<td class=\"muted\">—</td>")
                continue
            interval = "" if pd.isna(cell.ci_low) else f"{cell.ci_low:.3f}–{cell.ci_high:.3f}"
            shade = f"background: rgba(46, 125, 50, {0.55 * float(cell.value):.3f})"
            row.append(f"<td class=\"num\" style=\"{shade}\" title=\"{_e(interval)}\">{cell.value:.2f}</td>")
        rows.append(f"<tr>{''.join(row)}</tr>")
    return (f"<table><caption>{_e(caption)}</caption><thead><tr><th>source ↓ target →</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def transferability_section(page: TaskPage) -> str:
    models = [m.name for m in page.models]
    frame = page.transferability
    blocks = []
    for metric, name in METRICS.items():
        tables = []
        for (signal, dataset), group in frame[frame["metric"] == metric].groupby(["signal", "dataset"], sort=False):
            tables.append(_matrix(group, models, f"{signal} signals, {dataset}"))
        blocks.append(f"<h3>{_e(name)}</h3><div class=\"matrices\">{''.join(tables)}</div>")
    return ("<h2 id=\"tables\">Transferability</h2><p>Rate at which the target (column) accepts the signals of the "
            f"source (row), ε = {page.epsilon:g}; Avg: mean of the row's cells; hover a cell for its bootstrap interval.</p>"
            + "".join(blocks))


def _composite_cell(view: CompositeView | None) -> str:
    if view is None:
        return "<td class=\"muted\">—</td>"
    counts = f"<small>kept {view.kept} of {view.tried}</small>"
    if view.audio is None:
        return f"<td class=\"muted\">none{counts}</td>"
    return f"<td><audio controls preload=\"metadata\" src=\"{_url(view.audio)}\"></audio>{counts}</td>"


def composites_section(page: TaskPage) -> str:
    found = {(c.model, c.dataset, c.class_name): c for c in page.composites}
    columns = [(d, c) for d in page.datasets for c in page.labels]
    head = "".join(f"<th>{_e(c)}" + (f"<br><small>{_e(d)}</small>" if len(page.datasets) > 1 else "") + "</th>"
                   for d, c in columns)
    rows = "".join(f"<tr><th>{_e(m.name)}</th>" + "".join(_composite_cell(found.get((m.name, d, c))) for d, c in columns)
                   + "</tr>" for m in page.models)
    return ("<h2 id=\"composites\">Composites</h2><p>Each model's greedy composite of the sufficient signals it puts in "
            "a class (Section 5.1), each scaled to the same peak.</p>"
            f"<table class=\"composites\"><thead><tr><th>model</th>{head}</tr></thead><tbody>{rows}</tbody></table>")


def documents_section(page: TaskPage) -> str:
    entries = "".join(f"<li><a href=\"{_url(path)}\">{_e(path)}</a>" + (f" — {_e(caption)}" if caption else "") + "</li>"
                      for path, caption in page.documents)
    return f"<h2 id=\"files\">Tables and figures</h2><ul>{entries}</ul>"


def _models_table(page: TaskPage) -> str:
    head = "".join(f"<th>accuracy {_e(d)}</th>" for d in page.datasets)
    rows = "".join(f"<tr><th>{_e(m.name)}</th><td>{_e(m.backbone)}</td><td class=\"num\">{_number(m.size_m, 3)}</td>"
                   + "".join(f"<td class=\"num\">{_number(m.accuracy.get(d))}</td>" for d in page.datasets) + "</tr>"
                   for m in page.models)
    return f"<table><thead><tr><th>model</th><th>backbone</th><th>size (M)</th>{head}</tr></thead><tbody>{rows}</tbody></table>"


def task_page(page: TaskPage) -> str:
    """The task's page: filters, the chosen items, the transferability tables, the composites, the files."""
    filters = [_select("model", "model", [m.name for m in page.models]), _select("label", "class", page.labels)]
    if len(page.datasets) > 1:
        filters.append(_select("dataset", "dataset", page.datasets))
    bar = (f"<nav class=\"bar\"><a href=\"../{PAGE}\">all tasks</a>{''.join(filters)}"
           "<label><input type=\"checkbox\" id=\"relative-level\"> play at relative levels</label>"
           "<span id=\"shown\" class=\"muted\"></span>"
           "<a href=\"#tables\">tables</a><a href=\"#composites\">composites</a><a href=\"#files\">files</a></nav>")
    body = (f"<h1>{_e(page.task)}</h1><p class=\"muted\">Classes {_e(', '.join(page.labels))}; datasets "
            f"{_e(', '.join(page.datasets))}; audio as 16-bit {_e(page.audio_format.upper())}.</p>"
            f"{bar}{_models_table(page)}{legend(page)}<h2 id=\"items\">Items</h2>"
            + "".join(_item(block, page) for block in page.items)
            + transferability_section(page) + composites_section(page) + documents_section(page)
            + "<footer>Written by the gallery rule of the transferability workflow.</footer>")
    return _document(f"{page.task}: explanation gallery", body, SCRIPT)


def index_page(summaries: list[TaskSummary], title: str) -> str:
    """The front page: one row per task, linking its page."""
    rows = []
    for s in summaries:
        rates = "".join(f"<td class=\"num\">{_number(s.mean_rates.get(f'{metric} {signal}'), 2)}</td>"
                        for metric in METRICS for signal in ("sufficient", "complete"))
        rows.append(f"<tr><th><a href=\"{_url(f'{s.task}/{PAGE}')}\">{_e(s.task)}</a></th>"
                    f"<td>{_e(', '.join(s.models))}</td><td>{_e(', '.join(s.labels))}</td>"
                    f"<td class=\"num\">{s.items}</td><td class=\"num\">{s.cards}</td>"
                    f"<td class=\"num\">{s.audio_files}</td><td class=\"num\">{s.bytes / 1e6:.1f}</td>{rates}</tr>")
    rate_heads = "".join(f"<th>{SYMBOLS[metric]}<br><small>{signal}</small></th>"
                         for metric in METRICS for signal in ("sufficient", "complete"))
    body = (f"<h1>{_e(title)}</h1><p>Listen to what each model needs for its decision, and see which other models "
            "accept the same parts. Each task's page shows a few seeded items per class: the original and every "
            "extracted signal (sufficient, complete, 1-complete, inverse) with a player, its spectrum with the kept "
            "bins, and the answer of every other model of the task; then the transferability tables, the composites "
            "and the task's tables and figures.</p>"
            "<table><thead><tr><th>task</th><th>models</th><th>classes</th><th>items</th><th>explanations</th>"
            f"<th>audio files</th><th>MB</th>{rate_heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "<p class=\"muted\">Rates: mean over source models of the off-diagonal row averages, pooled over "
            "datasets.</p><footer>Written by the gallery rule of the transferability workflow.</footer>")
    return _document(title, body)
