import { kps } from "../../components/endpoints";
import type { AlertmanagerInput } from "../../components/k8s/metrics/alertmanager";

/**
 * A prod-like Alertmanager builder input (Slack #alerts, PagerDuty and the heartbeat on, a public
 * Grafana), the one the Alertmanager, heartbeat and team-routing tests start from and override.
 */
export const PROD_LIKE_ALERTMANAGER_INPUT: AlertmanagerInput = {
    groupBy: ["alertname", "namespace"],
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: "4h",
    slack: { enabled: true, channel: "#alerts" },
    pagerduty: { enabled: true },
    heartbeat: { enabled: true },
    secretName: kps.receiverSecretName,
    externalUrlIsPublic: true,
    serviceLabels: ["namespace", "job"],
};
