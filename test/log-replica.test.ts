/**
 * logs.replicateTo: every stream also written to a second Loki, with a queue of its own that drops
 * rather than blocks, so an outage of either region never stalls the other; the credential reaches
 * the pod only as a file of a mounted Kubernetes Secret. Checked on the generated configuration
 * (parsed), on real `helm template` of the node Alloy, on the mock graph and on config validation.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { parseSettings } from "../config";
import { alloy, otlpGateway } from "../components/endpoints";
import { otlpGatewayValues } from "../components/k8s/collector/otlp-gateway";
import { alloyValues } from "../components/k8s/collector";
import { type AlloyConfigInput, buildAlloyConfig } from "../components/k8s/collector/config";
import { LOG_REPLICA_CREDENTIAL_FILE, LOG_REPLICA_SECRET } from "../components/k8s/collector/replica";
import { Unavailable, helmTemplate, parseManifests } from "../tools/helm";
import { isSecretMarker, revealSecrets } from "../tools/mock-run";
import { readStackConfig } from "../tools/stack-config";
import { type Block, find, parseAlloy } from "./support/alloy-syntax";
import { PROJECT, ROOT, runStack } from "./support/graph";

const base: AlloyConfigInput = { clusterName: "plg-prod", tenantId: "platform" };
const REPLICA_URL = "https://logs.eu-central-1.example.com/loki/api/v1/push";
const replicateTo = { url: REPLICA_URL, tenantId: "platform-dr", auth: "basic", username: "plg-replica" };

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});

describe("log replica: generated configuration", () => {
    const basic = parseAlloy(buildAlloyConfig({ ...base, replica: { url: REPLICA_URL, tenantId: "platform-dr", auth: { kind: "basic", username: "plg-replica" } } }));
    const endpoint = (root: Block, label: string) => find(find(root, "loki.write", label), "endpoint");

    it("loki.process hands every entry to both writers, each a loki.write of its own", () => {
        assert.deepEqual(find(basic, "loki.process", "pods").attrs.forward_to, [{ ref: "loki.write.default.receiver" }, { ref: "loki.write.replica.receiver" }]);
        assert.equal(basic.blocks.filter((b) => b.name === "loki.write").length, 2);
        // Without a replica nothing changes: one writer.
        const plain = parseAlloy(buildAlloyConfig(base));
        assert.deepEqual(find(plain, "loki.process", "pods").attrs.forward_to, [{ ref: "loki.write.default.receiver" }]);
        assert.equal(plain.blocks.filter((b) => b.name === "loki.write").length, 1);
    });

    it("with a replica, each writer's queue drops when full instead of blocking the fan-out (neither region stalls the other)", () => {
        for (const label of ["default", "replica"]) {
            const q = find(endpoint(basic, label), "queue_config");
            assert.equal(q.attrs.block_on_overflow, false, label);
            assert.match(String(q.attrs.capacity), /^\d+MiB$/);
        }
        // Without a replica the only writer keeps Alloy's blocking default: no line lost while Loki is briefly down.
        const plain = parseAlloy(buildAlloyConfig(base));
        assert.ok(!endpoint(plain, "default").blocks.some((b) => b.name === "queue_config"));
    });

    it("writes to the second region with its tenant and the credential from the mounted file, never inline", () => {
        const e = endpoint(basic, "replica");
        assert.equal(e.attrs.url, REPLICA_URL);
        assert.equal(e.attrs.tenant_id, "platform-dr");
        const auth = find(e, "basic_auth");
        assert.deepEqual(auth.attrs, { username: "plg-replica", password_file: LOG_REPLICA_CREDENTIAL_FILE });
        assert.ok(!("bearer_token" in e.attrs) && !("password" in auth.attrs));
        const bearer = endpoint(parseAlloy(buildAlloyConfig({ ...base, replica: { url: REPLICA_URL, tenantId: "t", auth: { kind: "bearer" } } })), "replica");
        assert.equal(bearer.attrs.bearer_token_file, LOG_REPLICA_CREDENTIAL_FILE);
        assert.ok(!bearer.blocks.some((b) => b.name === "basic_auth"));
        assert.throws(() => buildAlloyConfig({ ...base, replica: { url: "http://logs.example.com/loki/api/v1/push", tenantId: "t", auth: { kind: "bearer" } } }), /https/);
    });
});

/** The prod stack file with logs.replicateTo and a placeholder credential, validated. */
function prodWithReplica() {
    const cfg = readStackConfig(ROOT, path.join(ROOT, "Pulumi.prod.yaml"));
    const parsed = parseSettings({ ...cfg.config, [`${PROJECT}:logs`]: JSON.stringify({ replicateTo }), [`${PROJECT}:logReplicaCredential`]: "placeholder-credential-01" });
    if (!parsed.ok) return assert.fail(parsed.problems.join("\n"));
    return { cfg, settings: parsed.settings };
}

describe("log replica: the node Alloy as rendered (real helm template)", function () {
    this.timeout(120_000);

    it("mounts the credential Secret read-only where the configuration reads it, and runs at the stability level queue_config needs", async function () {
        const { cfg, settings } = prodWithReplica();
        const render = async (values: Rec): Promise<Rec> => {
            try {
                const text = await helmTemplate({ release: alloy.release, chart: "alloy", namespace: alloy.namespace, values, kubeVersion: "1.34" });
                return rec(parseManifests(text).find((o) => o.kind === "DaemonSet")?.spec);
            } catch (e) {
                if (!(e instanceof Unavailable) || process.env.CI) throw e;
                return this.skip();
            }
        };
        const ds = await render(alloyValues(settings));
        const pod = rec(rec(ds.template).spec);
        const volume = (pod.volumes as Rec[]).find((v) => rec(v.secret).secretName === LOG_REPLICA_SECRET.name);
        assert.ok(volume, "the Secret is a volume");
        const container = (pod.containers as Rec[]).find((c) => c.name === "alloy") as Rec;
        const mount = (container.volumeMounts as Rec[]).find((m) => m.name === volume.name) as Rec;
        assert.equal(mount.readOnly, true);
        assert.equal(`${String(mount.mountPath)}/${LOG_REPLICA_SECRET.key}`, LOG_REPLICA_CREDENTIAL_FILE, "the file the config reads is the Secret's key under the mount");
        assert.ok((container.args as string[]).includes("--stability.level=experimental"));
        const config = String(rec(rec(alloyValues(settings).alloy).configMap).content);
        assert.ok(config.includes(LOG_REPLICA_CREDENTIAL_FILE));

        const without = parseSettings(cfg.config);
        assert.ok(without.ok);
        const plain = await render(alloyValues(without.settings));
        const plainContainer = (rec(rec(plain.template).spec).containers as Rec[]).find((c) => c.name === "alloy") as Rec;
        assert.ok((plainContainer.args as string[]).includes("--stability.level=generally-available"), "no replica: GA only");
    });
});

describe("log replica: the OTLP gateway as rendered (real helm template)", function () {
    this.timeout(120_000);

    it("mounts the credential Secret read-only where its configuration reads it, sends every record there too, and stays GA", async function () {
        const { settings } = prodWithReplica();
        const values = otlpGatewayValues(settings);
        assert.ok(values);
        let text: string;
        try {
            text = await helmTemplate({ release: otlpGateway.release, chart: "alloy", namespace: otlpGateway.namespace, values, kubeVersion: "1.34" });
        } catch (e) {
            if (!(e instanceof Unavailable) || process.env.CI) throw e;
            return this.skip();
        }
        const objects = parseManifests(text);
        const pod = rec(rec(rec(objects.find((o) => o.kind === "Deployment")?.spec).template).spec);
        const volume = (pod.volumes as Rec[]).find((v) => rec(v.secret).secretName === LOG_REPLICA_SECRET.name);
        assert.ok(volume, "the Secret is a volume");
        const container = (pod.containers as Rec[]).find((c) => c.name === "alloy") as Rec;
        const mount = (container.volumeMounts as Rec[]).find((m) => m.name === volume.name) as Rec;
        assert.equal(mount.readOnly, true);
        assert.equal(`${String(mount.mountPath)}/${LOG_REPLICA_SECRET.key}`, LOG_REPLICA_CREDENTIAL_FILE);
        assert.ok((container.args as string[]).includes("--stability.level=generally-available"), "the gateway needs no experimental block");
        const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === otlpGateway.fullname) as unknown as { data: Rec };
        const config = parseAlloy(String(cm.data["config.alloy"]));
        const endpoints = config.blocks.filter((b) => b.name === "otelcol.exporter.otlphttp").map((b) => String(find(b, "client").attrs.endpoint));
        // The push URL's prefix with Loki's OTLP route, as this platform's own gateway serves it next to the push path.
        assert.ok(endpoints.includes(REPLICA_URL.replace(/\/loki\/api\/v1\/push$/, "/otlp")), endpoints.join(", "));
        assert.deepEqual(find(find(config, "otelcol.auth.basic", "replica"), "client_auth").attrs.password_file, LOG_REPLICA_CREDENTIAL_FILE);
    });
});

describe("log replica: mock graph and configuration", function () {
    this.timeout(120_000);

    it("the credential is a Pulumi secret in the Secret the release waits for, and nowhere in its values", async () => {
        const credential = "mock-graph-replica-credential-Zp4";
        const g = await runStack("prod", { settings: { logs: { replicateTo } }, secrets: { logReplicaCredential: credential } });
        const secrets = g.byType("kubernetes:core/v1:Secret").filter((r) => rec(revealSecrets(r.inputs.metadata)).name === LOG_REPLICA_SECRET.name && rec(revealSecrets(r.inputs.metadata)).namespace === alloy.namespace);
        assert.equal(secrets.length, 1, "one beside the node Alloy (the OTLP gateway's has its own namespace)");
        const secret = secrets[0] as (typeof secrets)[number];
        assert.equal(rec(revealSecrets(secret.inputs.metadata)).namespace, alloy.namespace);
        assert.ok(isSecretMarker(secret.inputs.stringData), "stringData is a secret Output");
        assert.deepEqual(revealSecrets(secret.inputs.stringData), { [LOG_REPLICA_SECRET.key]: credential });
        const release = g.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === alloy.release);
        assert.ok(release?.options.dependsOn?.includes(secret.name), JSON.stringify(release?.options.dependsOn));
        assert.ok(!JSON.stringify(revealSecrets(release?.inputs.values)).includes(credential));
    });

    it("the OTLP gateway gets its own copy of the Secret, in its namespace, a Pulumi secret its release waits for", async () => {
        const credential = "mock-graph-replica-credential-Zp4";
        const g = await runStack("prod", { settings: { logs: { replicateTo } }, secrets: { logReplicaCredential: credential } });
        const secret = g.byType("kubernetes:core/v1:Secret").find((r) => rec(revealSecrets(r.inputs.metadata)).name === LOG_REPLICA_SECRET.name && rec(revealSecrets(r.inputs.metadata)).namespace === otlpGateway.namespace);
        assert.ok(secret, "a Secret in the gateway's namespace");
        assert.ok(isSecretMarker(secret.inputs.stringData), "stringData is a secret Output");
        assert.deepEqual(revealSecrets(secret.inputs.stringData), { [LOG_REPLICA_SECRET.key]: credential });
        const release = g.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === otlpGateway.release);
        assert.ok(release?.options.dependsOn?.includes(secret.name), JSON.stringify(release?.options.dependsOn));
        const values = JSON.stringify(revealSecrets(release?.inputs.values));
        assert.ok(!values.includes(credential), "never in the values (the ConfigMap)");
        assert.ok(values.includes(LOG_REPLICA_CREDENTIAL_FILE), "the configuration reads the mounted file");
        // Without a replica: no Secret there.
        const plain = await runStack("prod", {});
        assert.ok(!plain.byType("kubernetes:core/v1:Secret").some((r) => rec(revealSecrets(r.inputs.metadata)).name === LOG_REPLICA_SECRET.name));
    });

    it("refuses a replica without its credential, an http URL, and basic auth without a username, naming each key", () => {
        // Every absent secret gets its offline placeholder; take this one away again.
        const { [`${PROJECT}:logReplicaCredential`]: _placeholder, ...cfg } = readStackConfig(ROOT, path.join(ROOT, "Pulumi.prod.yaml")).config;
        const problems = (logs: unknown, extra: Record<string, string> = {}): string[] => {
            const r = parseSettings({ ...cfg, [`${PROJECT}:logs`]: JSON.stringify(logs), ...extra });
            assert.equal(r.ok, false);
            return r.ok ? [] : r.problems;
        };
        assert.ok(problems({ replicateTo }).some((p) => p.includes("logReplicaCredential") && p.includes(`${PROJECT}:logs.replicateTo`)), "missing credential");
        const withCredential = { [`${PROJECT}:logReplicaCredential`]: "placeholder-credential-01" };
        assert.ok(problems({ replicateTo: { ...replicateTo, url: "http://logs.example.com/loki/api/v1/push" } }, withCredential).some((p) => p.startsWith(`${PROJECT}:logs.replicateTo.url:`)));
        const { username: _, ...noUser } = replicateTo;
        assert.ok(problems({ replicateTo: noUser }, withCredential).some((p) => p.startsWith(`${PROJECT}:logs.replicateTo.username:`)));
        // The OTLP gateway finds the replica's OTLP route from the push path: another path is refused by key.
        const notPush = problems({ replicateTo: { ...replicateTo, url: "https://logs.example.com/api/prom/push" } }, withCredential);
        assert.ok(notPush.some((p) => p.startsWith(`${PROJECT}:logs.replicateTo.url:`) && p.includes("/loki/api/v1/push") && p.includes("api/prom/push")), notPush.join("\n"));
    });
});
