// Composition root: config -> platform -> stack outputs. Logic lives in program.ts and components/.
import { main } from "./program";

const outputs = main();

export const environment = outputs.environment;
export const clusterName = outputs.clusterName;
export const clusterEndpoint = outputs.clusterEndpoint;
export const kubeconfig = outputs.kubeconfig;
export const oidcIssuerUrl = outputs.oidcIssuerUrl;
export const vpcId = outputs.vpcId;
export const nodeRoleArn = outputs.nodeRoleArn;
export const logsBucket = outputs.logsBucket;
export const logsKmsKeyArn = outputs.logsKmsKeyArn;
export const lokiRoleArn = outputs.lokiRoleArn;
export const grafanaAdminPassword = outputs.grafanaAdminPassword;
export const grafanaAccess = outputs.grafanaAccess;
