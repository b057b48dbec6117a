/**
 * Label names shared by metrics and logs. The Prometheus operator gives scraped series
 * `namespace`, `pod`, `container`; Alloy gives log streams the same names (plus `cluster`, `app`),
 * so a dashboard panel can jump to the logs of the same workload. Defined once here.
 */
export const CORRELATION_LABELS = ["cluster", "namespace", "pod", "container", "app"] as const;
export type CorrelationLabel = (typeof CORRELATION_LABELS)[number];

/** External label that names the cluster on every series and every log stream. */
export const CLUSTER_LABEL: CorrelationLabel = "cluster";
/** External label that names the environment (dev, prod) on every series. */
export const ENVIRONMENT_LABEL = "environment";
/** Label Prometheus replicas use to tell each other apart (dropped by Alertmanager dedup). */
export const PROMETHEUS_REPLICA_LABEL = "prometheus_replica";
/** Kubernetes pod labels that give the `app` label, first one present wins. */
export const APP_SOURCE_POD_LABELS = ["app.kubernetes.io/name", "app"] as const;

/** Label naming the team an alert belongs to (alerting.teams): set on every team rule, matched by the team's routes. */
export const TEAM_LABEL = "team";

/** Log stream label holding the normalised log level (error, warn, ...), set by Alloy from JSON logs. */
export const LOG_LEVEL_LABEL = "level";
/** Log stream label `<namespace>/<container>`, the same shape Promtail/Alloy examples and Loki mixins use. */
export const LOG_JOB_LABEL = "job";
/**
 * Every label a log stream carries (Loki's index). Anything else (trace ids, user ids) goes to
 * structured metadata, so stream count stays bounded; LogQL stream selectors may use only these.
 */
export const LOG_STREAM_LABELS = [...CORRELATION_LABELS, LOG_JOB_LABEL, LOG_LEVEL_LABEL] as const;
export type LogStreamLabel = (typeof LOG_STREAM_LABELS)[number];
/**
 * Resource attributes the OTLP gateway sets on application logs and Loki indexes as labels
 * (limits_config.otlp_config): the node streams' correlation labels, so both kinds of stream match.
 */
export const OTLP_LOG_INDEX_LABELS = CORRELATION_LABELS;
