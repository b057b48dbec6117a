/**
 * logs.replicateTo: the node Alloy also writes every stream to a second Loki (another region), for
 * disaster recovery. A loki.write of its own (its own clients, batches and queue) beside the
 * primary one; loki.process forwards each entry to both.
 *
 * Why neither writer's queue blocks (Alloy v1.18.1, internal/component/common/loki): the
 * fan-out from loki.process hands each entry to every loki.write in turn, and a loki.write whose
 * queue is full blocks (queue_config.block_on_overflow defaults to true) — so without more, a dead
 * region would stop the other's writer too once its queue filled. The replica sets
 * `block_on_overflow = false`, and so does the primary while a replica is configured: a writer
 * whose queue is full drops (loki_write_dropped_entries_total{reason="queue_is_full"}) and the other
 * never waits; what one region drops, the other has. Without a replica the primary keeps blocking
 * (no line lost while the only Loki is briefly down). queue_config is an experimental block, so the
 * node Alloy runs at stability level "experimental" only when a replica is configured
 * (buildAlloyValues' default stays "generally-available").
 *
 * The credential is a Pulumi secret that reaches the pod only as a file of a Kubernetes Secret
 * mounted read-only (basic_auth.password_file / bearer_token_file): never in values or ConfigMaps.
 */
import type { Settings } from "../../../config";
import { alloyString } from "./config";

/** The Kubernetes Secret holding the replica's credential, and where it is mounted in the Alloy pods. */
export const LOG_REPLICA_SECRET = { name: "alloy-log-replica", key: "credential", mountPath: "/etc/alloy/log-replica" } as const;
/** The credential file Alloy reads (re-read on every request, so a rotated Secret needs no restart). */
export const LOG_REPLICA_CREDENTIAL_FILE = `${LOG_REPLICA_SECRET.mountPath}/${LOG_REPLICA_SECRET.key}`;
const VOLUME = "log-replica";

/** The second Loki. */
export interface AlloyLokiReplica {
    /** Push URL (https, another region). */
    readonly url: string;
    /** X-Scope-OrgID of streams no team route claims (team routes keep their own tenant there too). */
    readonly tenantId: string;
    /** basic: username + password file; bearer: token file. */
    readonly auth: { readonly kind: "basic"; readonly username: string } | { readonly kind: "bearer" };
    /** Memory the replica's queue may hold before it drops (Alloy size). Default "32MiB". */
    readonly queueCapacity?: string;
}

/** The push settings shared with the primary loki.write (already validated by buildAlloyConfig). */
export interface ReplicaPushSettings {
    readonly batchWait: string;
    readonly batchSize: string;
    readonly minBackoff: string;
    readonly maxBackoff: string;
    readonly maxRetries: number;
}

/** The replica's loki.write block (Alloy syntax). */
export function replicaWriteBlock(replica: AlloyLokiReplica, push: ReplicaPushSettings): string {
    if (!/^https:\/\/[^\s/]+/.test(replica.url)) throw new Error(`replica.url must be an https:// URL, got ${JSON.stringify(replica.url)}`);
    if (replica.tenantId.length === 0) throw new Error("replica.tenantId must not be empty");
    const auth =
        replica.auth.kind === "basic"
            ? `    basic_auth {\n      username      = ${alloyString(replica.auth.username)}\n      password_file = ${alloyString(LOG_REPLICA_CREDENTIAL_FILE)}\n    }`
            : `    bearer_token_file   = ${alloyString(LOG_REPLICA_CREDENTIAL_FILE)}`;
    return `
// The second region: its own queue, which drops rather than blocks when full, so an outage there
// never holds back loki.write "default" (components/k8s/collector/replica.ts).
loki.write "replica" {
  endpoint {
    name                = "replica"
    url                 = ${alloyString(replica.url)}
    tenant_id           = ${alloyString(replica.tenantId)}
${auth}
    batch_wait          = ${alloyString(push.batchWait)}
    batch_size          = ${alloyString(push.batchSize)}
    min_backoff_period  = ${alloyString(push.minBackoff)}
    max_backoff_period  = ${alloyString(push.maxBackoff)}
    max_backoff_retries = ${push.maxRetries}
    retry_on_http_429   = true${nonBlockingQueue(replica)}
  }
}
`;
}

/**
 * The queue_config of both writers when a replica is configured: each drops when its queue is full
 * rather than block the fan-out, so neither region's outage stalls the other (see the file comment).
 */
export function nonBlockingQueue(replica: AlloyLokiReplica): string {
    const capacity = replica.queueCapacity ?? "32MiB";
    if (!/^\d+(B|KiB|MiB|GiB)$/.test(capacity)) throw new Error(`replica.queueCapacity: invalid value ${JSON.stringify(capacity)}`);
    return `
    queue_config {
      capacity          = ${alloyString(capacity)}
      block_on_overflow = false
    }`;
}

/** The path every Loki serves pushes on; logs.replicateTo.url must end with it (config/schema.ts). */
export const LOKI_PUSH_PATH = "/loki/api/v1/push";

/** An https URL whose path ends with Loki's push path, without query or fragment (logs.replicateTo.url). */
export function isLokiPushUrl(url: string): boolean {
    if (!URL.canParse(url)) return false;
    const u = new URL(url);
    return u.protocol === "https:" && u.pathname.endsWith(LOKI_PUSH_PATH) && u.search === "" && u.hash === "";
}

/**
 * The second Loki's OTLP base URL, from its push URL: the same prefix with /otlp instead of the push
 * path. Loki serves OTLP logs at /otlp/v1/logs beside /loki/api/v1/push (Loki docs "Ingesting logs to
 * Loki using OpenTelemetry Collector": endpoint http://<loki-addr>:3100/otlp, the otlphttp exporter
 * appending /v1/logs), as this platform's own gateway does (urls.lokiOtlp); a replica behind a proxy
 * that serves only the push path refuses the gateway's writes (README "Logs in a second region").
 */
export function replicaOtlpUrl(pushUrl: string): string {
    if (!isLokiPushUrl(pushUrl)) {
        throw new Error(`logs.replicateTo.url: expected an https push URL ending in ${LOKI_PUSH_PATH}, got ${JSON.stringify(pushUrl)}`);
    }
    const u = new URL(pushUrl);
    return `${u.origin}${u.pathname.slice(0, -LOKI_PUSH_PATH.length)}/otlp`;
}

/** The replica from settings (logs.replicateTo), or undefined. */
export function logReplicaOf(settings: Settings): AlloyLokiReplica | undefined {
    const r = settings.logs.replicateTo;
    if (r === undefined) return undefined;
    return { url: r.url, tenantId: r.tenantId, auth: r.auth === "basic" ? { kind: "basic", username: r.username ?? "" } : { kind: "bearer" } };
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * The node Alloy's values with the replica: the credential Secret mounted read-only, and stability
 * level experimental for queue_config (see the file comment). Unchanged without a replica.
 */
export function withLogReplica(values: Rec, replica: AlloyLokiReplica | undefined): Rec {
    if (replica === undefined) return values;
    const mounted = withLogReplicaCredential(values);
    return { ...mounted, alloy: { ...rec(mounted.alloy), stabilityLevel: "experimental" } };
}

/**
 * Any Alloy release's values with the credential Secret (LOG_REPLICA_SECRET, in the release's own
 * namespace) mounted read-only at LOG_REPLICA_SECRET.mountPath (chart 1.11.1: controller.volumes.extra,
 * alloy.mounts.extra). The node Alloy and the OTLP gateway both read LOG_REPLICA_CREDENTIAL_FILE.
 */
export function withLogReplicaCredential(values: Rec): Rec {
    const controller = rec(values.controller);
    const alloyValues = rec(values.alloy);
    const mounts = rec(alloyValues.mounts);
    return {
        ...values,
        controller: {
            ...controller,
            volumes: { ...rec(controller.volumes), extra: [...arr(rec(controller.volumes).extra), { name: VOLUME, secret: { secretName: LOG_REPLICA_SECRET.name, defaultMode: 0o440 } }] },
        },
        alloy: { ...alloyValues, mounts: { ...mounts, extra: [...arr(mounts.extra), { name: VOLUME, mountPath: LOG_REPLICA_SECRET.mountPath, readOnly: true }] } },
    };
}
