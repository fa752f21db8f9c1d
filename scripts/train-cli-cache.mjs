/**
 * Write the CLI's V8 code cache (`cli-bundle.cjs.v8cache`, read by scripts/cli-loader.cjs) from
 * training runs of the bin, so it holds the functions the common commands run (it used to come from
 * a `--help`, which runs neither the client nor any command's action). Used by
 * scripts/bundle-cli.mjs; docs/bench.md, "CLI", has the numbers.
 *
 * Each run starts from the cache the previous one wrote and adds what it compiled (the loader writes
 * the cache at exit when CCCC_WRITE_CODE_CACHE=1). A function missing from the cache is parsed and
 * compiled from source on first call in every process: for `cccc send` that was the client, the HTTP
 * parser and the command's action, ~5 M instructions of ~125 M for the whole process.
 *
 * `send` and `im status` need a daemon: a stub on loopback answers them with canned JSON of the
 * daemon's shape, named by a temporary CCCC_HOME's endpoint.json (its pid this process, so the
 * client trusts it). Only the cache is kept; a run that fails fails the build, as a stub that no
 * longer matches the commands would otherwise leave their paths out of the cache unnoticed.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The two commands the CLI bench times. Not `--help`: its formatter and every command group's
 * registration made the cache 150 kB instead of 120 kB, read and deserialised by every command;
 * an untrained command (`group list`) runs as many instructions either way (docs/bench.md, "CLI").
 */
const RUNS = [
  ["send", "training"],
  ["im", "status"],
];

const TS = "2026-01-01T00:00:00.000Z";
const EVENT = {
  id: "ev_training",
  seq: 1,
  ts: TS,
  kind: "chat.message",
  by: "user",
  data: { text: "training", to: ["@foreman"], attachments: [] },
};
/** Canned answers by path (after /api/v1/groups/<gid>), shaped like the daemon's. */
const ANSWERS = [
  [/\/send$/, { event: EVENT }],
  [
    /\/im$/,
    {
      config: { platform: "dingtalk", mode: "stream", enabled: true },
      secrets: {},
      status: { running: true, state: "running", connected: true, connected_since: TS, subscribers: 0 },
    },
  ],
];

function stubDaemon() {
  return createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      const answer = ANSWERS.find(([re]) => re.test(path))?.[1];
      res.writeHead(answer ? 200 : 404, { "content-type": "application/json" });
      res.end(
        JSON.stringify(answer ?? { error: { code: "not_found", message: `no canned answer for ${path}` } }),
      );
    });
  });
}

function run(bin, argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`code cache training: cccc ${argv.join(" ")} exited ${code}: ${err.trim()}`));
    });
  });
}

/** Run the training commands with `bin`, each adding to the code cache beside it. */
export async function trainCodeCache(bin) {
  const server = stubDaemon();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const home = mkdtempSync(join(tmpdir(), "cccc-cache-training-"));
  try {
    const { port } = server.address();
    mkdirSync(join(home, "daemon"));
    const url = `http://127.0.0.1:${port}/`;
    writeFileSync(join(home, "daemon", "endpoint.json"), JSON.stringify({ url, pid: process.pid }));
    const { NODE_OPTIONS: _, CCCC_ACTOR_ID: __, ...inherited } = process.env;
    const env = {
      ...inherited,
      CCCC_HOME: home,
      CCCC_GROUP_ID: "g_training",
      CCCC_NO_AUTOSTART: "1",
      CCCC_WRITE_CODE_CACHE: "1",
    };
    for (const argv of RUNS) await run(bin, argv, env);
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
}
