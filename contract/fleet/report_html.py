"""``fleet.html``: installs by requirements, sortable and filterable, self-contained; its
columns are :func:`contract.fleet.report_columns.matrix_columns`."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from contract.fleet.baseline import FIXED_SINCE, KNOWN_FAILURE, REGRESSED, opening
from contract.fleet.baseline import counted as counted_standings
from contract.fleet.report_columns import (
    STATUS,
    Column,
    InstallEntry,
    matrix_columns,
    not_judged_cell,
)
from contract.fleet.runner import CERTIFIED, COULD_NOT_RUN, NOT_CERTIFIED
from contract.fleet.totals import TOTALS, interruption, sentence

if TYPE_CHECKING:
    from contract.fleet.history import RunSummary

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:1rem;color:#111;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0;padding:0;list-style:none}
.counts li{border:1px solid #999;border-radius:.3rem;padding:.2rem .6rem}
.controls{display:flex;flex-wrap:wrap;gap:.8rem;margin:.6rem 0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.85rem;table-layout:fixed;width:100%}
caption{text-align:left;padding:.2rem 0}
th,td{border:1px solid #bbb;padding:.25rem .3rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
thead th{position:sticky;top:0;background:#eee;vertical-align:bottom;overflow-wrap:normal}
th button{font:inherit;background:none;border:0;padding:0;cursor:pointer;text-decoration:underline;
text-align:inherit}
thead th.narrow{text-align:center;padding:.3rem 0}
th.narrow button{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
td.mark{text-align:center;padding:.25rem 0}
tbody th{position:sticky;left:0;z-index:1;background:#fff}
thead th:first-child{left:0;z-index:2}
tbody th small{font-weight:normal}
.id{white-space:nowrap}
.ok{background:#d9f2d9}.bad{background:#f8d0d0}.warn{background:#fbeec2}.none{background:#f2f2f2}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.legend{font-size:.85rem}
.exercised summary{font-size:.8rem;overflow-wrap:break-word}
.exercised ul{margin:.2rem 0 0;padding-left:1.1rem;overflow-wrap:break-word}
.stopped{border:2px solid #b58a00;padding:.3rem .6rem}
.since h2{font-size:1.1rem;margin:.6rem 0 .2rem}.since h3{font-size:.95rem;margin:.3rem 0;
padding:.1rem .4rem;display:inline-block}.since ul{margin:.1rem 0 .4rem;padding-left:1.2rem}
td.standing{font-size:.75rem;overflow-wrap:normal;padding:.25rem .15rem}
.strip{font-size:.75rem;font-weight:normal;white-space:nowrap}
.run{display:inline-block;min-width:1ch;margin-right:1px;text-align:center}
@media print{.controls{display:none}thead th,tbody th{position:static}body{margin:0}}
"""

# The filter and the sort live in the address (?install=…&verdict=…&sort=…&order=…), so
# that a filtered view can be sent as a link.
_SCRIPT = """
(function(){
  var table=document.getElementById('fleet'),body=table.tBodies[0],head=table.tHead.rows[0];
  var rows=Array.prototype.slice.call(body.rows);
  var text=document.getElementById('filter-text'),verdict=document.getElementById('filter-verdict');
  var shown=document.getElementById('shown'),state=new URLSearchParams(location.search);
  function remember(){
    var query=state.toString();
    try{history.replaceState(null,'',query?'?'+query:location.pathname);}catch(e){}
  }
  function filter(){
    var t=text.value.toLowerCase(),v=verdict.value,n=0;
    rows.forEach(function(r){
      var ok=(!t||r.dataset.name.toLowerCase().indexOf(t)>=0)&&(!v||r.dataset.verdict===v);
      r.hidden=!ok;if(ok)n++;});
    shown.textContent=n+' of '+rows.length+' installs shown';
  }
  function sort(column,up){
    var i=-1;
    Array.prototype.forEach.call(head.cells,function(c,j){
      c.removeAttribute('aria-sort');if(c.dataset.column===column)i=j;});
    if(i<0)return;
    head.cells[i].setAttribute('aria-sort',up?'ascending':'descending');
    // A row of an install that could not run has one cell spanning the judged columns.
    function key(r){
      var c,j,at=0;
      for(j=0;j<r.cells.length;j++){c=r.cells[j];at+=c.colSpan;if(at>i)break;}
      return c.dataset.key||c.textContent;}
    rows.sort(function(a,b){
      var x=key(a),y=key(b);
      return (x<y?-1:x>y?1:0)*(up?1:-1);});
    rows.forEach(function(r){body.appendChild(r);});
  }
  text.value=state.get('install')||'';verdict.value=state.get('verdict')||'';
  function changed(){
    text.value?state.set('install',text.value):state.delete('install');
    verdict.value?state.set('verdict',verdict.value):state.delete('verdict');
    remember();filter();
  }
  text.addEventListener('input',changed);verdict.addEventListener('change',changed);
  Array.prototype.forEach.call(head.cells,function(th){
    th.querySelector('button').addEventListener('click',function(){
      var up=th.getAttribute('aria-sort')!=='ascending';
      state.set('sort',th.dataset.column);state.set('order',up?'ascending':'descending');
      remember();sort(th.dataset.column,up);
    });
  });
  if(state.get('sort'))sort(state.get('sort'),state.get('order')!=='descending');
  filter();
})();
"""


def _row(install: InstallEntry, columns: Sequence[Column]) -> str:
    judged = [column for column in columns if column.judged]
    cells = []
    for column in columns:
        if install["verdict"] != COULD_NOT_RUN or not column.judged:
            cells.append(column.cell(install))
        elif column is judged[0]:  # it judged nothing: no coverage, no verdicts
            cells.append(not_judged_cell(install, len(judged)))
    esc = html.escape
    return (
        f'<tr data-name="{esc(install["name"])}" data-verdict="{esc(install["verdict"])}">'
        f"{''.join(cells)}</tr>"
    )


def _heading(column: Column) -> str:
    esc = html.escape
    kind = ' class="narrow"' if column.narrow else ""
    title = f' title="{esc(column.title)}"' if column.title else ""
    return (
        f'<th scope="col" data-column="{esc(column.key)}"{kind}{title}>'
        f'<button type="button">{esc(column.key)}</button></th>'
    )


def _widths(columns: Sequence[Column]) -> str:
    """The columns' widths; the one that grows takes what the others leave, and the table
    is never narrower than their sum (past it, the page scrolls, the installs in sight)."""
    cols = "".join(
        "<col>" if column.grows else f'<col style="width:{column.width:g}rem">'
        for column in columns
    )
    return f"<colgroup>{cols}</colgroup>"


def _stopped(data: dict[str, Any]) -> str:
    """The interruption, in the words of the line ``contract fleet`` printed; empty for a
    fleet that ran to its end."""
    said = interruption(data)
    if said is None:
        return ""
    unstarted = ", ".join(data["not_started"])
    named = f" Not started: {html.escape(unstarted)}." if unstarted else ""
    return f'<p class="stopped warn" role="alert">{html.escape(sentence(said))}.{named}</p>'


_TONE = {REGRESSED: "bad", FIXED_SINCE: "ok", KNOWN_FAILURE: "warn"}


def _since_baseline(data: dict[str, Any]) -> str:
    """The comparison with the baseline: its counts, then the regressions, the fixes and
    the known failures, an install a line."""
    found = data.get("baseline")
    if found is None:
        return ""
    esc = html.escape
    counted = counted_standings(found["installs"])
    versions = "".join(f"; not the same version: {esc(v)}" for v in found["versions_changed"])
    parts = [
        f"<h2>Since the baseline ({esc(found['date'] or 'undated')})</h2>",
        f"<p>Against <code>{esc(found['source'])}</code>: {esc(counted)}{versions}.</p>",
    ]
    for section in opening(data):
        said = [f"<li><b>{esc(name)}</b>: {esc(what)}</li>" for name, what in section.installs]
        tone = _TONE[section.status] if said else "none"
        items = "".join(said) or "<li>none</li>"
        parts.append(f'<h3 class="{tone}">{esc(section.heading)}</h3><ul>{items}</ul>')
    return f'<section class="since" aria-label="since the baseline">{"".join(parts)}</section>'


def to_html(data: dict[str, Any], recent: Mapping[str, Sequence[RunSummary]] | None = None) -> str:
    """The fleet report as one self-contained page; with *recent* (from a history), each
    install's last runs beside its name."""
    esc = html.escape
    count = data["totals"]
    columns = matrix_columns(list(data["requirements"]), baseline="baseline" in data, recent=recent)
    least = sum(column.width for column in columns)
    options = "".join(
        f'<option value="{esc(v)}">{esc(v)}</option>'
        for v in (CERTIFIED, NOT_CERTIFIED, COULD_NOT_RUN)
    )
    counts = "".join(
        f"<li>{esc(str(count[key]))} {esc(words)}</li>"
        for key, words in (("installs", "installs"), *TOTALS)
    )
    shard = f", shard {esc(data['shard'])}" if data.get("shard") else ""
    legend = ", ".join(f"{mark} {word}" for mark, word, _ in STATUS.values())
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Fleet certification: {count['installs']} installs</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Fleet certification</h1>"
        f'<ul class="counts" aria-label="totals">{counts}</ul>'
        f"{_stopped(data)}"
        f"<p>Library {esc(data['library'])}, schema {esc(data['schema'])}{shard}; "
        f"{esc(data.get('date', ''))}.</p>"
        f"{_since_baseline(data)}"
        '<div class="controls">'
        '<label>Install <input id="filter-text" type="search"></label>'
        '<label>Verdict <select id="filter-verdict"><option value="">any</option>'
        f"{options}</select></label>"
        '<span id="shown" role="status"></span></div>'
        f'<div class="scroll"><table id="fleet" style="min-width:{least:g}rem">'
        "<caption>Installs \u00d7 requirements (select a heading to sort; a requirement's "
        "statement shows on its heading's hover)</caption>"
        f"{_widths(columns)}<thead><tr>{''.join(map(_heading, columns))}</tr></thead><tbody>"
        + "".join(_row(install, columns) for install in data["installs"])
        + f'</tbody></table></div><p class="legend">{esc(legend)}</p>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
