import type { MetricsRulesInput } from "../../components/k8s/metrics/rules";

/** A typical alert-rules input (the guide's values), shared by the rules and dashboards tests. */
export const RULES_INPUT: MetricsRulesInput = {
    httpStatusLabel: "http_status",
    errorRateThreshold: 0.05,
    errorRateFor: "1m",
    latencyP95ThresholdSeconds: 0.5,
    latencyFor: "5m",
    availabilityObjective: 0.999,
    runbookBaseUrl: "https://runbooks.example.com/plg",
    groupBy: ["namespace", "job"],
    scrapeInterval: "30s",
};
