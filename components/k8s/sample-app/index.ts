/**
 * Optional sample service (config `sampleApp.enabled`): deploys examples/sample-app's image so a
 * new environment can be checked by generating traffic (README, "Verify an environment"), its
 * metrics scraped or pushed over OTLP (`sampleApp.metricsExporter`).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type SampleAppInput, type SampleAppManifests, buildSampleAppManifests } from "./manifests";

export { SAMPLE_APP, buildSampleAppManifests } from "./manifests";

export interface SampleAppArgs {
    /** Image with an explicit tag or digest. */
    readonly image: string;
    readonly replicas: number;
    readonly metrics: SampleAppInput["metrics"];
    readonly namespaceLabels: Readonly<Record<string, string>>;
    readonly provider: k8s.Provider;
    /** The ServiceMonitor needs the prometheus-operator CRDs; pushed metrics, the OTLP gateway. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

export class SampleApp extends pulumi.ComponentResource {
    constructor(name: string, args: SampleAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:SampleApp", name, {}, opts);
        const m: SampleAppManifests = buildSampleAppManifests({ image: args.image, replicas: args.replicas, namespaceLabels: args.namespaceLabels, metrics: args.metrics });
        const o: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, m.namespace, { ...o, dependsOn: args.dependsOn });
        const inNs = { ...o, dependsOn: [ns] };
        new k8s.apps.v1.Deployment(`${name}-deployment`, m.deployment, inNs);
        new k8s.core.v1.Service(`${name}-service`, m.service, inNs);
        if (m.serviceMonitor) {
            new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, m.serviceMonitor, {
                ...inNs,
                dependsOn: [ns, ...args.dependsOn],
            });
        }
        this.registerOutputs({});
    }
}
