"""``fleet.html``: installs by requirements, sortable and filterable, self-contained."""

from __future__ import annotations

import html
from typing import Any

from contract.fleet.runner import CERTIFIED, COULD_NOT_RUN, NOT_CERTIFIED
from contract.fleet.totals import TOTALS, interruption, sentence

_STATUS = {
    "passed": ("✓", "passed", "ok"),
    "failed": ("✗", "failed", "bad"),
    "not verifiable": ("?", "not verifiable", "warn"),
    "not exercised": ("\u2013", "not exercised", "none"),
}
_VERDICT = {CERTIFIED: "ok", NOT_CERTIFIED: "bad", COULD_NOT_RUN: "warn"}

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:1rem;color:#111;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0;padding:0;list-style:none}
.counts li{border:1px solid #999;border-radius:.3rem;padding:.2rem .6rem}
.controls{display:flex;flex-wrap:wrap;gap:.8rem;margin:.6rem 0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;white-space:nowrap}
thead th{position:sticky;top:0;background:#eee}
th button{font:inherit;background:none;border:0;padding:0;cursor:pointer;text-decoration:underline}
.ok{background:#d9f2d9}.bad{background:#f8d0d0}.warn{background:#fbeec2}.none{background:#f2f2f2}
.legend{font-size:.85rem}
.exercised ul{margin:.2rem 0 0;padding-left:1.1rem;white-space:normal;min-width:20rem}
.stopped{border:2px solid #b58a00;padding:.3rem .6rem}
@media print{.controls{display:none}thead th{position:static}body{margin:0}}
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
    // A row of an install that could not run ends in one cell spanning the columns left.
    function key(r){
      var c=r.cells[Math.min(i,r.cells.length-1)];return c.dataset.key||c.textContent;}
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

_ORDER = {"failed": "0", "not verifiable": "1", "not exercised": "2", "passed": "3"}
_LAST = "~"
"""The sort key of a cell that holds no verdict: after every one that does."""


def _cell(status: str | None) -> str:
    mark, word, tone = _STATUS.get(status or "", ("", "not in the run", "none"))
    key = _ORDER.get(status or "", "4")
    return f'<td class="{tone}" data-key="{key}">{mark} {word}</td>'


def _exercised(install: dict[str, Any]) -> str:
    """The install's coverage: ``28/28``, or flagged, with each property left out and why
    (on hover, and in a list that opens)."""
    esc = html.escape
    coverage = install.get("coverage")
    if coverage is None:
        return f'<td class="none" data-key="{_LAST}">not recorded</td>'
    shown = f"{coverage['exercised']}/{coverage['writable']}"
    key = f"{coverage['exercised'] / max(coverage['writable'], 1):.4f}"
    left_out = coverage["not_exercised"]
    if not left_out:
        return f'<td class="ok exercised" data-key="{key}">{shown}</td>'
    # Each reason is a sentence that names its property.
    why = "".join(f"<li>{esc(text)}</li>" for text in left_out.values())
    hover = "not exercised: " + "; ".join(left_out.values())
    return (
        f'<td class="warn exercised" data-key="{key}" title="{esc(hover)}"><details>'
        f"<summary>⚠ {shown} partial: {esc(', '.join(left_out))}</summary>"
        f"<ul>{why}</ul></details></td>"
    )


def _row(install: dict[str, Any], requirements: list[str]) -> str:
    esc = html.escape
    name = esc(install["name"])
    certificate = install.get("certificate")
    if certificate:
        page = esc(certificate.removesuffix(".json") + ".html")
        name = f'<a href="{page}">{name}</a> (<a href="{esc(certificate)}">json</a>)'
    verdict = install["verdict"]
    said = esc(verdict) + (f": {esc(install['reason'])}" if install.get("reason") else "")
    restored = "yes" if install["restored"] else "✗ NO"
    if verdict == COULD_NOT_RUN:  # it judged nothing: no coverage, no verdicts
        cells = (
            f'<td colspan="{len(requirements) + 1}" class="warn" data-key="{_LAST}">'
            "could not run: no requirement was judged</td>"
        )
    else:
        cells = _exercised(install) + "".join(
            _cell(install["requirements"].get(rid)) for rid in requirements
        )
    return (
        f'<tr data-name="{esc(install["name"])}" data-verdict="{esc(verdict)}">'
        f'<th scope="row" data-key="{esc(install["name"])}">{name}<br>'
        f"<small>{esc(install['url'])}</small></th>"
        f'<td class="{_VERDICT.get(verdict, "none")}">{said}</td>'
        f'<td class="{"ok" if install["restored"] else "bad"}">{restored}</td>'
        f"{cells}</tr>"
    )


def _stopped(data: dict[str, Any]) -> str:
    """The interruption, in the words of the line ``contract fleet`` printed; empty for a
    fleet that ran to its end."""
    said = interruption(data)
    if said is None:
        return ""
    unstarted = ", ".join(data["not_started"])
    named = f" Not started: {html.escape(unstarted)}." if unstarted else ""
    return f'<p class="stopped warn" role="alert">{html.escape(sentence(said))}.{named}</p>'


def to_html(data: dict[str, Any]) -> str:
    """The fleet report as one self-contained page."""
    esc = html.escape
    count = data["totals"]
    requirements = list(data["requirements"])
    header = "".join(
        f'<th scope="col" data-column="{esc(label)}"><button type="button">{esc(label)}'
        "</button></th>"
        for label in ["install", "verdict", "restored", "exercised", *requirements]
    )
    options = "".join(
        f'<option value="{esc(v)}">{esc(v)}</option>'
        for v in (CERTIFIED, NOT_CERTIFIED, COULD_NOT_RUN)
    )
    counts = "".join(
        f"<li>{esc(str(count[key]))} {esc(words)}</li>"
        for key, words in (("installs", "installs"), *TOTALS)
    )
    shard = f", shard {esc(data['shard'])}" if data.get("shard") else ""
    legend = ", ".join(f"{mark} {word}" for mark, word, _ in _STATUS.values())
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
        '<div class="controls">'
        '<label>Install <input id="filter-text" type="search"></label>'
        '<label>Verdict <select id="filter-verdict"><option value="">any</option>'
        f"{options}</select></label>"
        '<span id="shown" role="status"></span></div>'
        '<div class="scroll"><table id="fleet">'
        "<caption>Installs \u00d7 requirements (select a heading to sort)</caption>"
        f"<thead><tr>{header}</tr></thead><tbody>"
        + "".join(_row(install, requirements) for install in data["installs"])
        + f'</tbody></table></div><p class="legend">{esc(legend)}</p>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
