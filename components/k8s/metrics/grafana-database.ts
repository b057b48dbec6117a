/**
 * Grafana on a shared PostgreSQL (pure builders): the `[database]` settings read from a mounted
 * Secret, and what several replicas need besides (alerting HA gossip, zone spread, a PDB, rolling
 * updates without a volume). Grafana's "Set up Grafana for high availability" guide: every replica
 * uses the same database, and unified alerting's notifications are de-duplicated by gossip between
 * replicas ("Configure high availability" for alerting: `ha_peers`, `ha_listen_address`,
 * `ha_advertise_address` on TCP and UDP 9094, the pod IP from the POD_IP variable on Kubernetes).
 */
import { kps } from "../../endpoints";
import { ANTI_AFFINITY_TOPOLOGY_KEY } from "./values";

/** PostgreSQL's port (RDS default). */
export const POSTGRES_PORT = 5432;
/** Database and master user Grafana signs in as (not secrets). */
export const GRAFANA_DATABASE_NAME = "grafana";
/** See GRAFANA_DATABASE_NAME. */
export const GRAFANA_DATABASE_USER = "grafana";
/** Keys of the `grafana-database` Secret. */
export const GRAFANA_DATABASE_HOST_KEY = "host";
/** See GRAFANA_DATABASE_HOST_KEY. */
export const GRAFANA_DATABASE_PASSWORD_KEY = "password";
/** Where the Secret is mounted in the Grafana container. */
export const GRAFANA_DATABASE_MOUNT = "/etc/secrets/grafana-database";
/** Unified alerting's gossip port (the chart's `gossip-tcp`/`gossip-udp` container ports). */
export const GRAFANA_GOSSIP_PORT = 9094;

/** The Kubernetes Secret's name holding host and password. */
export const grafanaDatabaseSecretName = `${kps.grafana.fullname}-database`;

/** Labels the chart selects Grafana's pods with (grafana.selectorLabels: name and instance). */
const GRAFANA_SELECTOR = { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": kps.release } as const;

/** Input of the shared-database Grafana values. */
export interface GrafanaHaInput {
    /** Replicas (>= 1). */
    readonly replicas: number;
    /** Spread over zones with DoNotSchedule (prod) or ScheduleAnyway, and a PDB when >= 2 replicas. */
    readonly strictSpread: boolean;
}

/** What the shared-database Grafana adds to the subchart's values. */
export interface GrafanaHaValues {
    /** Top-level subchart values (replicas, persistence, strategy, PDB, headless service, spread). */
    readonly values: Readonly<Record<string, unknown>>;
    /** Secret mounts to add to the others (SSO). */
    readonly extraSecretMounts: readonly { readonly name: string; readonly secretName: string; readonly mountPath: string; readonly readOnly: boolean }[];
    /** grafana.ini sections to add. */
    readonly ini: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * grafana subchart values for replicas sharing the RDS database: no volume (persistence off, so a
 * Deployment that can roll), `[database]` with host and password as `$__file{}` from the mounted
 * Secret (the chart refuses a literal database.password: assertNoLeakedSecrets), TLS required,
 * alerting HA peers found through the chart's headless service, replicas spread over zones, a PDB.
 */
export function buildGrafanaHaValues(input: GrafanaHaInput): GrafanaHaValues {
    if (!Number.isInteger(input.replicas) || input.replicas < 1) throw new Error(`grafana replicas must be a whole number >= 1, given ${input.replicas}`);
    const file = (key: string): string => `$__file{${GRAFANA_DATABASE_MOUNT}/${key}}`;
    const gossip = `\${POD_IP}:${GRAFANA_GOSSIP_PORT}`;
    return {
        values: {
            replicas: input.replicas,
            persistence: { enabled: false },
            // One extra pod at a time, none taken away first: dashboards stay served through a rollout.
            deploymentStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
            ...(input.replicas >= 2 ? { podDisruptionBudget: { maxUnavailable: 1 } } : {}),
            // The chart's `<fullname>-headless` Service (port 9094): every replica's IP, for ha_peers.
            headlessService: true,
            topologySpreadConstraints: [
                {
                    maxSkew: 1,
                    topologyKey: ANTI_AFFINITY_TOPOLOGY_KEY,
                    whenUnsatisfiable: input.strictSpread ? "DoNotSchedule" : "ScheduleAnyway",
                    labelSelector: { matchLabels: { ...GRAFANA_SELECTOR } },
                    // Count only the pods of the same revision, so a rollout's surge pod is not held to the old ones.
                    matchLabelKeys: ["pod-template-hash"],
                },
            ],
        },
        extraSecretMounts: [{ name: "database", secretName: grafanaDatabaseSecretName, mountPath: GRAFANA_DATABASE_MOUNT, readOnly: true }],
        ini: {
            database: {
                type: "postgres",
                host: file(GRAFANA_DATABASE_HOST_KEY),
                name: GRAFANA_DATABASE_NAME,
                user: GRAFANA_DATABASE_USER,
                password: file(GRAFANA_DATABASE_PASSWORD_KEY),
                // RDS for PostgreSQL 15+ refuses unencrypted connections (rds.force_ssl defaults to 1).
                ssl_mode: "require",
            },
            unified_alerting: {
                ha_peers: `${kps.grafana.fullname}-headless.${kps.namespace}.svc.cluster.local:${GRAFANA_GOSSIP_PORT}`,
                ha_listen_address: gossip,
                ha_advertise_address: gossip,
            },
        },
    };
}
