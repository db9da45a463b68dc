// `npm run bench -- <name>`: runs bench/<name>.ts (with tsx, like the studio's own processes) and
// passes its JSON lines through. Without a name, lists the benchmarks.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { root } from "./lib/setup.mjs";

const benches = readdirSync(path.join(root, "bench"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.replace(/\.ts$/, ""));
const name = process.argv[2];
if (!name || !benches.includes(name)) {
  console.error(`usage: npm run bench -- <name>\navailable: ${benches.join(", ")}`);
  process.exit(name ? 1 : 0);
}
const res = spawnSync(process.execPath, ["--import", "tsx", path.join("bench", `${name}.ts`), ...process.argv.slice(3)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.node.json") },
});
process.exit(res.status ?? 1);
