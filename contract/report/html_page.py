"""The HTML certificate's stylesheet and script: inline, so that the page is one file.

The stylesheet lays the page out for a screen, a phone (390 px) and paper; the script
only wires the copy buttons, which stay hidden where it does not run.
"""

# The restore box's rules keep their historical spelling: other views look for them.
STYLE = """
:root{--pass:#17692f;--pass-bg:#e8f5ec;--fail:#a1261b;--fail-bg:#fdf0ef;--nv:#6b5300;
--nv-bg:#fff7d6;--err:#7a2e8e;--err-bg:#f7ecfa;--none:#555;--none-bg:#f1f1f1;--line:#d6d6d6}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:62rem;
margin:1.5rem auto;padding:0 1rem;color:#1d1d1d;background:#fff}
h1{font-size:1.6rem;line-height:1.25;margin:.75rem 0 .25rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.2rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.25rem 0 .4rem}
h1 .certified{color:#17692f} h1 .not-certified{color:#a1261b}
code,pre{font:13px/1.45 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace}
code{overflow-wrap:anywhere}
pre{background:#f6f6f6;border:1px solid var(--line);padding:.6rem .75rem;margin:.25rem 0;
white-space:pre-wrap;overflow-wrap:anywhere;max-height:24rem;overflow:auto}
.restore{padding:.5rem .75rem;border:1px solid #ddd;margin:0 0 .75rem}
.restore p{margin:.2rem 0}
.restore p:first-child::before{content:"\u2713\u00a0"}
.restore.left-changed p:first-child::before{content:"\u26a0\u00a0"}
.restore.left-changed{color:#a1261b;
border:2px solid #a1261b;background:#fdf0ef;font-weight:600}
.verdict{border:2px solid;border-radius:.4rem;padding:.75rem 1rem;margin:.5rem 0 1rem}
.verdict.certified{border-color:var(--pass);background:var(--pass-bg)}
.verdict.not-certified{border-color:var(--fail);background:var(--fail-bg)}
.verdict p{margin:.25rem 0}
.tally{list-style:none;padding:0;margin:.5rem 0 0;display:flex;flex-wrap:wrap;gap:.4rem}
.tally li{padding:.1rem .5rem;border-radius:1rem;border:1px solid var(--line)}
.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15rem 1rem;margin:.5rem 0}
.facts dt{font-weight:600} .facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.limits li{margin:.15rem 0}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.25rem 0}
.scroll{overflow-x:auto;max-width:100%;margin:.5rem 0}
.scroll:focus{outline:2px solid #2458b3;outline-offset:2px}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.25rem 0 .4rem}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #999;white-space:nowrap}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tfoot th,tfoot td{border-top:2px solid #999;font-weight:600}
th small{display:block;font-weight:400;color:#444}
th .id{white-space:nowrap}
.s{white-space:nowrap;font-weight:600}
.s-passed{color:var(--pass);background:var(--pass-bg)}
.s-failed{color:var(--fail);background:var(--fail-bg)}
.s-error{color:var(--err);background:var(--err-bg)}
.s-not-verifiable{color:var(--nv);background:var(--nv-bg)}
.s-not-run{color:var(--none);background:var(--none-bg);font-weight:400}
.passed{color:#17692f} .failed,.error{color:#a1261b;font-weight:600}
.not-verifiable,.not-run{color:#8a6d00}
.legend{font-size:.9rem;color:#333}
.legend span.s{padding:0 .35rem;border-radius:.2rem}
.failure{border:1px solid var(--fail);border-left-width:.4rem;border-radius:.3rem;
padding:.25rem 1rem .75rem;margin:1rem 0}
.failure dl{margin:.25rem 0} .failure dt{font-weight:600;margin-top:.5rem}
.failure dd{margin:0}
.copy{font:inherit;font-size:.9rem;padding:.15rem .7rem;margin:.2rem 0;cursor:pointer;
border:1px solid #555;border-radius:.25rem;background:#fff}
.copy:focus-visible{outline:2px solid #2458b3;outline-offset:2px}
.copied{margin-left:.5rem;font-size:.9rem}
footer{margin:2.5rem 0 1rem;font-size:.85rem;color:#444}
@media (max-width:40rem){
body{margin:.75rem auto;padding:0 .75rem;font-size:14px}
h1{font-size:1.35rem}
.facts{grid-template-columns:minmax(0,1fr)} .facts dd{margin-bottom:.35rem}
th,td{padding:.3rem .3rem}
pre{font-size:12px}
.matrix td small{display:block}
.matrix td{font-size:.8rem;padding:.3rem .25rem}
.matrix th small{font-size:.8rem}
}
@media print{
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{max-width:none;margin:0;padding:0;font-size:10.5pt}
nav,.copy,.copied{display:none!important}
.scroll{overflow:visible}
pre{max-height:none;overflow:visible}
h2{break-after:avoid} .failure,tr{break-inside:avoid}
a{color:inherit;text-decoration:none}
}
"""

# The copy buttons stay hidden until this script shows them: without it they could not
# work. The clipboard when the browser allows it, else the text is selected for Ctrl+C.
SCRIPT = """
(function(){
function say(button,text){var s=button.nextElementSibling;if(s){s.textContent=text;}}
function select(node){var r=document.createRange();r.selectNodeContents(node);
var s=window.getSelection();s.removeAllRanges();s.addRange(r);}
function fallback(button,node){select(node);var done=false;
try{done=document.execCommand("copy");}catch(e){done=false;}
say(button,done?"Copied.":"Selected: press Ctrl+C (\\u2318C) to copy.");}
var buttons=document.querySelectorAll("button.copy");
for(var i=0;i<buttons.length;i++){(function(button){
var node=document.getElementById(button.getAttribute("data-copy"));if(!node){return;}
button.hidden=false;
button.addEventListener("click",function(){var text=node.textContent;
say(button,"Copying\\u2026");
if(navigator.clipboard&&window.isSecureContext){
navigator.clipboard.writeText(text).then(function(){say(button,"Copied.");},
function(){fallback(button,node);});}else{fallback(button,node);}});
})(buttons[i]);}
window.addEventListener("beforeprint",function(){
var d=document.querySelectorAll("details");for(var j=0;j<d.length;j++){d[j].open=true;}});
})();
"""
