// Build the locally served front-end assets into src/caretrust/web/static/nhsuk/.
// Run by `make assets` after `npm ci`; never fetches anything at run time.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import * as sass from "sass";

const out = "src/caretrust/web/static/nhsuk";
const dist = "node_modules/nhsuk-frontend/dist/nhsuk";
mkdirSync(`${out}/js`, { recursive: true });
cpSync(`${dist}/assets`, `${out}/assets`, { recursive: true });
cpSync(`${dist}/nhsuk-frontend.min.js`, `${out}/js/nhsuk-frontend.min.js`);
cpSync("node_modules/htmx.org/dist/htmx.min.js", `${out}/js/htmx.min.js`);
writeFileSync(`${out}/NOTICE.txt`, "NHS.UK frontend 10.6.1 (MIT licence, https://github.com/nhsuk/nhsuk-frontend) and htmx 2 (0BSD).\n");

const css = sass.compile("assets/caretrust.scss", {
  loadPaths: ["node_modules"],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin"],
});
writeFileSync(`${out}/caretrust.css`, css.css);
console.log(`assets built in ${out}`);
