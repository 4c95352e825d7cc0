//! Generated TypeScript declarations type-check with `tsc --strict`, a client using them
//! compiles, and the generated JavaScript calls `_call` with the right arguments.

use std::process::Command;

use axme_codegen::Output;

const GEN: &str = "bindings/node/generated/";

fn write(dir: &std::path::Path, name: &str, outputs: &[Output]) {
    for f in ["operations.js", "operations.d.ts"] {
        crate::put(
            dir,
            &format!("{name}/{f}"),
            crate::output(outputs, &format!("{GEN}{f}")),
        );
    }
}

fn tsc(dir: &std::path::Path, args: &[&str]) {
    let npx = Command::new("npx").arg("--version").output();
    assert!(
        npx.is_ok_and(|o| o.status.success()),
        "npx (Node.js) is needed to type-check the TypeScript output"
    );
    crate::run(
        Command::new("npx")
            .current_dir(dir)
            .args(["--yes", "-p", "typescript@5", "tsc"])
            .args(args),
    );
}

const USAGE: &str = r#"import { AxmeOperations, CallOptions, CreateIntentRequest, installMeshOperations, installOperations } from "./real/operations";

declare const c: AxmeOperations;

export async function use(): Promise<string[]> {
  const created = await c.createIntent({ intent_type: "a.b.v1" }, { correlationId: "c" });
  const body: CreateIntentRequest = { intent_type: "x.y.v1", to_agent: "agent://a", payload: {} };
  await c.createIntent(body, { correlationId: "d", idempotencyKey: "k", signal: new AbortController().signal });
  await c.resolveIntent("id", { status: "COMPLETED" }, { ownerAgent: "agent://o", timeoutMs: 500 });
  await c.replyInboxThread("t", { message: "hi" });
  const seqs: number[] = [];
  for await (const e of c.observe("id", { since: 3 })) {
    seqs.push(e.seq);
  }
  const agents = await c.mesh.listAgents({ limit: 3, health: "healthy" });
  c.mesh.startHeartbeat({ intervalSeconds: 5 });
  return [created.intent_id, String(seqs), String(agents.agents), await c.sendIntent({})];
}

class Client {
  _call(operationId: string, args: Record<string, unknown>, options?: CallOptions): Promise<unknown> {
    return Promise.resolve({ operationId, args, signal: options?.signal, timeoutMs: options?.timeoutMs });
  }
  _callBytes(operationId: string, args: Record<string, unknown>, options?: CallOptions): Promise<Uint8Array> {
    return Promise.resolve(new TextEncoder().encode(operationId + String(args) + String(options)));
  }
}
installOperations(Client);
installMeshOperations(Client);
"#;

#[test]
fn typescript_declarations_type_check() {
    let dir = crate::scratch("typescript-tsc");
    write(&dir, "real", crate::real());
    write(&dir, "tricky", crate::tricky());
    crate::put(&dir, "usage.ts", USAGE);
    tsc(
        &dir,
        &[
            "--noEmit",
            "--strict",
            "real/operations.d.ts",
            "tricky/operations.d.ts",
        ],
    );
    tsc(
        &dir,
        &[
            "--noEmit", "--strict", "--target", "es2022", "--module", "commonjs", "usage.ts",
        ],
    );
}

const SMOKE: &str = r#"const assert = require("node:assert");
const real = require("./real/operations.js");
const tricky = require("./tricky/operations.js");
const calls = [];
class Client {
  _call(id, args, options) { calls.push([id, args, options]); return Promise.resolve({ ok: true }); }
  _callBytes(id, args, options) { calls.push([id, args, options, "bytes"]); return Promise.resolve(Buffer.from("raw")); }
  health() { return "hand-written"; }
}
class Mesh {
  _call(id, args, options) { calls.push([id, args, options]); return Promise.resolve({}); }
}
real.installOperations(Client);
real.installMeshOperations(Mesh);
tricky.installOperations(Client);
(async () => {
  const c = new Client();
  assert.deepStrictEqual(await c.createIntent({ intent_type: "a.b.v1" }, { correlationId: "c1" }), { ok: true });
  assert.deepStrictEqual(calls.at(-1), ["create_intent",
    { idempotency_key: null, trace_id: null, body: { intent_type: "a.b.v1", correlation_id: "c1" } }, { correlationId: "c1" }]);
  const signal = new AbortController().signal;
  await c.resolveIntent("i1", { status: "CANCELED" }, { xOwnerAgent: "agent://o", signal, timeoutMs: 250 });
  assert.strictEqual(calls.at(-1)[1].x_owner_agent, "agent://o");
  assert.strictEqual(calls.at(-1)[2].signal, signal, "the per-call options reach _call");
  assert.strictEqual(calls.at(-1)[2].timeoutMs, 250);
  await c.getIntent("i1");
  assert.deepStrictEqual(calls.at(-1)[2], {}, "no options: an empty options object");
  assert.deepStrictEqual(await c.downloadMedia("u1"), Buffer.from("raw"));
  assert.deepStrictEqual(calls.at(-1), ["download_media", { upload_id: "u1", trace_id: null }, {}, "bytes"],
    "an operation answering raw bytes goes through _callBytes");
  assert.throws(() => c.createIntent({ correlation_id: "x" }, { correlationId: "y" }), TypeError);
  await c.listAgents({ orgId: "o", workspaceId: "w" });
  assert.strictEqual(calls.at(-1)[0], "list_agents");
  const mesh = new Mesh();
  await mesh.listAgents();
  assert.strictEqual(calls.at(-1)[0], "mesh_list_agents");
  assert.strictEqual(calls.at(-1)[1].limit, 100);
  await mesh.heartbeat();
  assert.deepStrictEqual(calls.at(-1)[1], { trace_id: null, body: null });
  assert.strictEqual(c.health(), "hand-written", "methods the class defines are kept");
  await c.import("acme/prod", null, { class: "k" });
  assert.deepStrictEqual(calls.at(-1)[1], { address: "acme/prod", default: false, body: { class: "k" } });
  assert.ok(!Object.keys(Client.prototype).includes("createIntent"), "methods are not enumerable");
  console.log("ok");
})().catch((e) => { console.error(e); process.exit(1); });
"#;

#[test]
fn javascript_methods_call_the_core() {
    let dir = crate::scratch("typescript-smoke");
    write(&dir, "real", crate::real());
    write(&dir, "tricky", crate::tricky());
    crate::put(&dir, "smoke.js", SMOKE);
    let out = crate::run(Command::new("node").current_dir(&dir).arg("smoke.js"));
    assert!(out.contains("ok"), "{out}");
}
