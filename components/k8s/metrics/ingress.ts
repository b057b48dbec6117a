/**
 * Grafana's Ingress (the AWS Load Balancer Controller makes it an ALB) and, when a Route 53 hosted
 * zone is given, the alias record pointing Grafana's hostname at that ALB.
 *
 * The Ingress is the program's own rather than the chart's (grafana.ingress is off in values.ts):
 * a Helm release reports done without waiting for an Ingress's load balancer, so the ALB's DNS name
 * would not exist when the record needs it on a first `pulumi up`. pulumi-kubernetes' Ingress
 * awaiter does wait for it: provider/pkg/await/ingress.go (read at commit 94977969, July 2026, after
 * v4.32.0; the file last changed in February 2026), which awaiters.go runs for
 * networking.k8s.io/v1/Ingress on create and on update, returns only once
 * `.status.loadBalancer.ingress` has an entry and every backend Service has Endpoints (a Service
 * without any gives up after 60 s with a warning), and returns the live object, status included
 * (#3793). Its bound is 10 minutes unless the resource's customTimeouts (provider.go passes
 * req.Timeout to await.Creation/Update) say otherwise.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kps } from "../../endpoints";
import { type GrafanaAlbInput, grafanaAlbAnnotations } from "./values";

/**
 * The Ingress's name. Not the chart's `grafana`: on an upgrade, Helm deletes the chart's Ingress
 * without waiting for the controller's finalizer to remove its ALB, and creating an object of the
 * same name while it still exists fails (AlreadyExists; the provider retries only NotFound).
 */
export const GRAFANA_INGRESS_NAME = `${kps.grafana.fullname}-alb`;

/** The IngressClass the AWS Load Balancer Controller serves. */
export const GRAFANA_INGRESS_CLASS = "alb";

/**
 * How long create and update wait for the load balancer: the controller's reconcile (subnets,
 * security groups, the ALB, listeners, target group) takes a few minutes, and a controller
 * installed in the same `pulumi up` may still be pulling its image. Past it, `pulumi up` fails
 * naming the Ingress (no controller serving class alb, a refused certificate, no subnets tagged).
 */
export const GRAFANA_LOAD_BALANCER_TIMEOUT = "20m";

/**
 * The annotation pinning the ALB to given subnets instead of the controller's discovery by tag
 * (AWS Load Balancer Controller, Ingress annotations, `subnets`: a stringList of subnet ids or Name
 * tags, at least two in different AZs; the same in v2 and v3). Grafana's NetworkPolicy admits only
 * those subnets' CIDRs (components/k8s/network/load-balancer.ts).
 */
export const ALB_SUBNETS_ANNOTATION = "alb.ingress.kubernetes.io/subnets";

/** The annotation's value: the subnet ids, comma-separated (the annotations' stringList). */
export function albSubnetsAnnotation(subnetIds: readonly string[]): string {
    return subnetIds.join(",");
}

/** What Grafana's Ingress is built from. */
export interface GrafanaIngressInput extends GrafanaAlbInput {
    /** Grafana's hostname (the Ingress rule's host). */
    readonly hostname: string;
}

/** The Ingress's metadata and spec (plain data, for the component and for tests). */
export interface GrafanaIngressObject {
    readonly metadata: { readonly name: string; readonly namespace: string; readonly annotations: Readonly<Record<string, string>> };
    readonly spec: {
        readonly ingressClassName: string;
        readonly rules: {
            readonly host: string;
            readonly http: {
                readonly paths: {
                    readonly path: string;
                    readonly pathType: "Prefix";
                    readonly backend: { readonly service: { readonly name: string; readonly port: { readonly number: number } } };
                }[];
            };
        }[];
    };
}

/** Grafana's Ingress: the hostname, every path, to Grafana's Service (endpoints.ts). */
export function buildGrafanaIngress(input: GrafanaIngressInput): GrafanaIngressObject {
    const { hostname, ...alb } = input;
    return {
        metadata: { name: GRAFANA_INGRESS_NAME, namespace: kps.namespace, annotations: grafanaAlbAnnotations(alb) },
        spec: {
            ingressClassName: GRAFANA_INGRESS_CLASS,
            rules: [
                {
                    host: hostname,
                    http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: kps.grafana.service, port: { number: kps.grafana.port } } } }] },
                },
            ],
        },
    };
}

/** An Ingress status as the provider returns it (fields may be absent). */
export interface IngressStatusLike {
    readonly loadBalancer?: { readonly ingress?: readonly { readonly hostname?: string; readonly ip?: string }[] };
}

/** The load balancer's DNS name from the Ingress's status; an ALB always has one. */
export function loadBalancerHostname(status: IngressStatusLike | undefined): string {
    const entries = status?.loadBalancer?.ingress ?? [];
    const found = entries.find((e) => e.hostname)?.hostname;
    if (found === undefined) {
        throw new Error(
            `Grafana's Ingress ${kps.namespace}/${GRAFANA_INGRESS_NAME} has no load balancer hostname in its status (given ${JSON.stringify(entries)}): ` +
                `expected an ALB's DNS name, written by the AWS Load Balancer Controller (IngressClass ${GRAFANA_INGRESS_CLASS})`,
        );
    }
    return found;
}

export interface GrafanaIngressArgs extends GrafanaIngressInput {
    /** Route 53 hosted zone holding `hostname`: an alias record is kept there when given. */
    readonly hostedZoneId?: string;
    /** Subnets the ALB is pinned to (ALB_SUBNETS_ANNOTATION); absent: the controller discovers them by tag. */
    readonly subnetIds?: pulumi.Input<string>[];
    /** The cluster's Kubernetes provider. */
    readonly provider: k8s.Provider;
    /** The stack's AWS provider (its region is the ALB's). */
    readonly awsProvider: aws.Provider;
    /**
     * What must answer first: the kube-prometheus-stack release (Grafana's Service with endpoints,
     * the chart's old Ingress gone) and the Load Balancer Controller's release (its webhook validates
     * Ingresses) when the program installs it.
     */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Grafana's Ingress, waited on until its ALB exists, and the optional Route 53 alias record to it. */
export class GrafanaIngress extends pulumi.ComponentResource {
    /** The ALB's DNS name (where a CNAME for the hostname points when Route 53 is not used). */
    public readonly loadBalancerHostname: pulumi.Output<string>;

    constructor(name: string, args: GrafanaIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:GrafanaIngress", name, {}, opts);
        const built = buildGrafanaIngress(args);
        // Subnet ids are known once the subnets exist: that one annotation is an Output (unknown in a first preview).
        const annotations: Record<string, pulumi.Input<string>> = {
            ...built.metadata.annotations,
            ...(args.subnetIds === undefined ? {} : { [ALB_SUBNETS_ANNOTATION]: pulumi.all(args.subnetIds).apply(albSubnetsAnnotation) }),
        };
        const ingress = new k8s.networking.v1.Ingress(
            `${name}-ingress`,
            { metadata: { ...built.metadata, annotations, labels: { "app.kubernetes.io/part-of": "plg-observability" } }, spec: built.spec },
            {
                parent: this,
                provider: args.provider,
                dependsOn: args.dependsOn,
                customTimeouts: { create: GRAFANA_LOAD_BALANCER_TIMEOUT, update: GRAFANA_LOAD_BALANCER_TIMEOUT },
            },
        );
        // Unknown in a first preview (the load balancer does not exist yet): the record then shows as to be created.
        this.loadBalancerHostname = ingress.status.apply((status) => loadBalancerHostname(status));

        if (args.hostedZoneId !== undefined) {
            // Route 53 developer guide, "Routing traffic to an ELB load balancer": an alias A record
            // named the domain, whose target is the load balancer's DNS name in the region's ELB
            // hosted zone (ALBs and Classic share it; NLBs have another), evaluating target health.
            const elbZone = aws.lb.getHostedZoneIdOutput({ loadBalancerType: "application" }, { parent: this, provider: args.awsProvider });
            new aws.route53.Record(
                `${name}-dns`,
                {
                    zoneId: args.hostedZoneId,
                    name: args.hostname,
                    type: aws.route53.RecordType.A,
                    aliases: [{ name: this.loadBalancerHostname, zoneId: elbZone.id, evaluateTargetHealth: true }],
                    // A record of that name and type made by hand makes the create fail (Route 53:
                    // "Tried to create resource record set ... but it already exists") rather than
                    // being replaced silently; README "Reaching Grafana" says how to delete or import it.
                    allowOverwrite: false,
                },
                { parent: this, provider: args.awsProvider },
            );
        }
        this.registerOutputs({ loadBalancerHostname: this.loadBalancerHostname });
    }
}
