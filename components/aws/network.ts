import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkSettings } from "../../config";
import { natGatewayCount, natGatewayForAz, planSubnets, s3GatewayEndpointServiceName, subnetTags } from "./cluster-builders";

/** Network settings of mode `create`. */
export type CreateNetworkSettings = Extract<NetworkSettings, { mode: "create" }>;

export interface NetworkArgs {
    /** VPC CIDR, AZ count, NAT placement and optional explicit subnet CIDRs. */
    readonly settings: CreateNetworkSettings;
    /** EKS cluster name, for the `kubernetes.io/cluster/<name>` subnet tags and Name tags. */
    readonly clusterName: string;
    /** Region of the VPC (names the S3 gateway endpoint's service). */
    readonly region: string;
    /** AWS partition of the account (aws, aws-cn, aws-us-gov). */
    readonly partition: pulumi.Input<string>;
    /** AWS provider (region, default tags). */
    readonly provider: aws.Provider;
    /** Extra tags on every resource (the provider's default tags apply as well). */
    readonly tags?: Record<string, string>;
}

/**
 * A VPC for EKS: per AZ a private subnet (nodes, pods) and a public one (NAT, internet-facing load
 * balancers), an internet gateway, NAT gateways (one per AZ or one shared), route tables, and an S3
 * gateway endpoint on the private route tables.
 */
export class Network extends pulumi.ComponentResource {
    /** VPC id. */
    public readonly vpcId: pulumi.Output<string>;
    /** Private subnet ids, one per AZ, in AZ order. */
    public readonly privateSubnetIds: pulumi.Output<string>[];
    /** Public subnet ids, one per AZ, in AZ order. */
    public readonly publicSubnetIds: pulumi.Output<string>[];
    /** NAT gateways (one per AZ, or one). */
    public readonly natGateways: aws.ec2.NatGateway[];
    /** S3 gateway endpoint routed from every private subnet. */
    public readonly s3Endpoint: aws.ec2.VpcEndpoint;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:aws:Network", name, {}, opts);
        const base: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
        const s = args.settings;
        const cluster = args.clusterName;
        const tags = (extra: Record<string, string>): Record<string, string> => ({ ...(args.tags ?? {}), ...extra });
        const plan = planSubnets({
            vpcCidr: s.cidr,
            azCount: s.azCount,
            privateSubnetCidrs: s.privateSubnetCidrs,
            publicSubnetCidrs: s.publicSubnetCidrs,
        });

        // Standard zones only: local/wavelength zones (opt-in) lack NAT gateways and EKS support.
        const zones = aws.getAvailabilityZonesOutput(
            { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
            { provider: args.provider, parent: this },
        );
        const zoneName = (i: number): pulumi.Output<string> =>
            zones.names.apply((names) => {
                const zone = names[i];
                if (zone === undefined) {
                    throw new Error(`plg-observability:network.azCount is ${s.azCount} but the region has only ${names.length} standard availability zones`);
                }
                return zone;
            });

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            // EKS needs DNS hostnames for private endpoint resolution and node registration.
            { cidrBlock: s.cidr, enableDnsSupport: true, enableDnsHostnames: true, tags: tags({ Name: `${cluster}-vpc` }) },
            base,
        );
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags({ Name: `${cluster}-igw` }) }, base);

        const publicRoutes = new aws.ec2.RouteTable(
            `${name}-public-rt`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: tags({ Name: `${cluster}-public` }) },
            base,
        );

        const publicSubnets = plan.public.map((cidr, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-public-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: cidr,
                    availabilityZone: zoneName(i),
                    // Only load balancers and NAT gateways live here; nothing gets a public IP implicitly.
                    mapPublicIpOnLaunch: false,
                    tags: tags({ Name: `${cluster}-public-${i}`, ...subnetTags("public", cluster) }),
                },
                base,
            );
            new aws.ec2.RouteTableAssociation(`${name}-public-${i}-rta`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, base);
            return subnet;
        });

        this.natGateways = Array.from({ length: natGatewayCount(s.natGateways, s.azCount) }, (_, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${i}-eip`, { domain: "vpc", tags: tags({ Name: `${cluster}-nat-${i}` }) }, base);
            return new aws.ec2.NatGateway(
                `${name}-nat-${i}`,
                { allocationId: eip.id, subnetId: (publicSubnets[i] as aws.ec2.Subnet).id, tags: tags({ Name: `${cluster}-nat-${i}` }) },
                // A NAT gateway needs the IGW attached before it can route.
                { ...base, dependsOn: [igw] },
            );
        });

        const privateRouteTables: aws.ec2.RouteTable[] = [];
        const privateSubnets = plan.private.map((cidr, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-private-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: cidr,
                    availabilityZone: zoneName(i),
                    tags: tags({ Name: `${cluster}-private-${i}`, ...subnetTags("private", cluster) }),
                },
                base,
            );
            // One table per AZ even with a single NAT, so switching to perAz changes routes, not associations.
            const nat = this.natGateways[natGatewayForAz(s.natGateways, i)] as aws.ec2.NatGateway;
            const routes = new aws.ec2.RouteTable(
                `${name}-private-${i}-rt`,
                { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: tags({ Name: `${cluster}-private-${i}` }) },
                base,
            );
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}-rta`, { subnetId: subnet.id, routeTableId: routes.id }, base);
            privateRouteTables.push(routes);
            return subnet;
        });

        // Loki's chunks and ECR's image layers (S3) go through the gateway endpoint, free, instead of paying
        // NAT processing per GB (Amazon VPC user guide, "Gateway endpoints for Amazon S3"). It adds a route
        // to S3's prefix list in each private table; the 0.0.0.0/0 NAT route stays for everything else.
        this.s3Endpoint = new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            {
                vpcId: vpc.id,
                vpcEndpointType: "Gateway",
                serviceName: pulumi.output(args.partition).apply((partition) => s3GatewayEndpointServiceName(partition, args.region)),
                routeTableIds: privateRouteTables.map((t) => t.id),
                tags: tags({ Name: `${cluster}-s3` }),
            },
            base,
        );

        this.vpcId = vpc.id;
        this.privateSubnetIds = privateSubnets.map((x) => x.id);
        this.publicSubnetIds = publicSubnets.map((x) => x.id);
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }
}
