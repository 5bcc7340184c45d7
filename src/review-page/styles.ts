/**
 * The review workspace's stylesheet, served as a file of its own (/review/assets/page.<hash>.css) so the page's
 * Content-Security-Policy allows styles from this origin only. It lives in a module (not a .css file) because the
 * production build (tsc) copies only what it compiles.
 */
export const REVIEW_PAGE_CSS = `
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b2230; background: #f4f5f7; }
h1, h2, h3 { line-height: 1.25; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.muted, .hint { color: #556076; }
.hint { font-size: 12.5px; margin: .25rem 0 0; }
.error { color: #b42318; }
kbd { font: 11.5px ui-monospace, SFMono-Regular, Menlo, monospace; border: 1px solid currentColor; border-radius: 4px; padding: 0 .3rem; opacity: .85; }

button, .button { font: inherit; display: inline-flex; align-items: center; gap: .4rem; padding: .38rem .8rem; border-radius: 6px; border: 1px solid #b9c1ce; background: #fff; color: #1b2230; cursor: pointer; text-decoration: none; }
button:hover, .button:hover { background: #eef2f8; }
button.primary { background: #1f4fd1; border-color: #1f4fd1; color: #fff; }
button.primary:hover { background: #1940ad; }
button:disabled { opacity: .5; cursor: not-allowed; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
input[type=text], input[type=password], textarea { font: inherit; color: inherit; border: 1px solid #b9c1ce; border-radius: 6px; padding: .4rem .55rem; background: #fff; }

.bar { display: flex; align-items: center; gap: .6rem; padding: .5rem 1rem; background: #fff; border-bottom: 1px solid #dde2ea; }
.bar h1 { font-size: 1.05rem; margin: 0; }
#summary { margin: 0 auto 0 .5rem; color: #556076; }

.key-panel { max-width: 30rem; margin: 4rem auto; padding: 1.5rem; background: #fff; border: 1px solid #dde2ea; border-radius: 10px; }
.key-panel h2 { margin: 0 0 .75rem; font-size: 1.15rem; }
#key-form { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
#key-form input { flex: 1; min-width: 12rem; }

.workspace { flex: 1; min-height: 0; display: grid; grid-template-columns: 410px minmax(0, 1fr); }
.queue { display: flex; flex-direction: column; min-height: 0; background: #fff; border-right: 1px solid #dde2ea; }
#queue { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
.legend { display: flex; flex-wrap: wrap; gap: .2rem .6rem; margin: 0; padding: .45rem .75rem; border-top: 1px solid #dde2ea; font-size: 11.5px; color: #556076; }
.item { display: grid; grid-template-columns: 2.1rem minmax(0, 1fr); border-bottom: 1px solid #eceff4; }
.item[data-selected="true"] { background: #e9effd; box-shadow: inset 3px 0 0 #1f4fd1; }
.item .pick { margin: .8rem 0 0 .8rem; width: 1rem; height: 1rem; }
.item .open { display: block; width: 100%; text-align: left; border: 0; border-radius: 0; background: transparent; padding: .5rem .75rem .5rem .3rem; }
.item .open:hover { background: rgba(31, 79, 209, .06); }
.row { display: flex; gap: .45rem; align-items: baseline; }
.who { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.row.facts { font-size: 12.5px; color: #556076; }
.row.clocks { gap: .8rem; margin-top: .1rem; }
.badge { font-size: 11px; padding: 0 .4rem; border-radius: 999px; background: #e3f4e8; color: #14622c; white-space: nowrap; }
.channel { margin-left: auto; font-size: 11.5px; padding: 0 .45rem; border-radius: 999px; background: #eef1f6; color: #39445a; white-space: nowrap; }
.ch-whatsapp { background: #e3f4e8; color: #14622c; }
.ch-linkedin { background: #e4edfa; color: #0a4a94; }
.ch-instagram { background: #fbe7f1; color: #8f1953; }
.clock { font-size: 12.5px; color: #556076; font-variant-numeric: tabular-nums; white-space: nowrap; }
.clock.first { color: #1b2230; font-weight: 600; }
.clock[data-urgency="soon"] { color: #8a5300; }
.clock[data-urgency="urgent"], .clock[data-urgency="expired"] { color: #b42318; font-weight: 700; }

.pane { overflow-y: auto; padding: .9rem 1.25rem 1.5rem; }
.empty { display: grid; place-items: center; height: 100%; color: #556076; }
.task h2 { font-size: 1.15rem; margin: 0 0 .4rem; }
.task h2:focus { outline: none; }
.task h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #556076; margin: .9rem 0 .35rem; }
.handle { font-weight: 400; font-size: .9rem; color: #556076; margin-left: .5rem; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr); gap: .15rem .75rem; margin: 0; font-size: 13px; }
dl.facts dt { color: #556076; }
dl.facts dd { margin: 0; }
dl.facts .clocks { display: inline-flex; flex-wrap: wrap; gap: 0 .9rem; }

.messages { list-style: none; margin: 0; padding: .5rem; display: flex; flex-direction: column; gap: .35rem; max-height: 272px; overflow-y: auto; background: #eceff4; border-radius: 10px; }
.message { max-width: 78%; padding: .3rem .6rem; border-radius: 10px; background: #fff; border: 1px solid #dde2ea; }
.message.outbound { align-self: flex-end; background: #e9effd; border-color: #c8d5f5; }
.message.current { border-color: #1f4fd1; box-shadow: 0 0 0 1px #1f4fd1; }
.message .from { display: block; font-size: 11.5px; font-weight: 600; color: #556076; }
.message .text { margin: .1rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.message time { font-size: 11.5px; color: #6b7489; }

.work { display: grid; grid-template-columns: minmax(0, 1fr) 290px; gap: 1.1rem; }
.draft label { display: block; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #556076; font-weight: 600; margin: .9rem 0 .35rem; }
.draft textarea { width: 100%; min-height: 7.5rem; resize: vertical; line-height: 1.5; }
.draft textarea[readonly] { background: #f7f8fa; }
.gates ul { list-style: none; margin: 0; padding: 0; }
.gate { display: grid; grid-template-columns: 1.1rem auto minmax(0, 1fr); gap: 0 .4rem; padding: .1rem 0; font-size: 13px; }
.gate .result .muted { font-size: 12px; }
.gate .mark { font-weight: 700; }
.gate.passed .mark { color: #1f7a3a; }
.gate .result { color: #556076; }
.gate.failed, .gate.failed .result { color: #b42318; }
.gate .reason, .gate .detail { grid-column: 2 / -1; font-size: 12.5px; overflow-wrap: anywhere; }
.gate .reason { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }

.actions .buttons { display: flex; gap: .5rem; flex-wrap: wrap; margin-top: .6rem; }
.skip-form { display: flex; gap: .5rem; align-items: center; margin-top: .6rem; }
.skip-form input { flex: 1; }
.outcome { min-height: 1.2em; margin: .5rem 0 0; }
.outcome[data-tone="error"] { color: #b42318; }
.outcome[data-tone="ok"] { color: #1f7a3a; }

#toast { position: fixed; left: 50%; bottom: 1rem; transform: translateX(-50%); max-width: min(70ch, 90vw); padding: .5rem .9rem; border-radius: 8px; background: #1b2230; color: #fff; box-shadow: 0 4px 16px rgba(0, 0, 0, .18); }
#toast:empty { display: none; }
#toast[data-tone="warn"] { background: #7a4a00; }
#toast[data-tone="error"] { background: #b42318; }

dialog { border: 1px solid #dde2ea; border-radius: 10px; padding: 1.25rem 1.5rem; max-width: 32rem; }
dialog::backdrop { background: rgba(27, 34, 48, .35); }
dialog h2 { margin: 0 0 .75rem; font-size: 1.1rem; }
dialog table { border-collapse: collapse; width: 100%; }
dialog th { text-align: left; font-weight: 400; padding: .2rem 1rem .2rem 0; white-space: nowrap; }
dialog td { padding: .2rem 0; }

@media (max-width: 960px) {
  .workspace { grid-template-columns: 1fr; }
  .queue { max-height: 40vh; border-right: 0; border-bottom: 1px solid #dde2ea; }
  .work { grid-template-columns: 1fr; }
}
`;
