import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { GrafanaDatabaseSettings } from "../../config/grafana-database";
import { GRAFANA_DATABASE_NAME, GRAFANA_DATABASE_USER, POSTGRES_PORT } from "../k8s/metrics/grafana-database";

export interface GrafanaDatabaseArgs {
    /** `grafana.database` (type rds). */
    readonly settings: GrafanaDatabaseSettings;
    /** Production: deletion protection, a final snapshot, `protect` and a retained key. */
    readonly production: boolean;
    /** Name of the cluster, for identifiers and descriptions. */
    /**
     * The cluster's name as configured (clusterNameOf), a plain string: an Output of the cluster would
     * hold the database (10-20 minutes to create) back until the cluster exists (10 more).
     */
    readonly clusterName: string;
    /** The cluster's VPC. */
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets (2+ AZs) of the DB subnet group. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Security groups of the nodes Grafana runs on: the only sources allowed to 5432. */
    readonly clientSecurityGroupIds: pulumi.Input<string>[];
    /** AWS provider (region, default tags). */
    readonly provider: aws.Provider;
}

/** Where Grafana finds its database: host:port and the generated password (secret). */
export interface GrafanaDatabaseConnection {
    /** `<endpoint address>:<port>`, Grafana's `[database] host`. */
    readonly host: pulumi.Output<string>;
    /** The master password, generated, a Pulumi secret. */
    readonly password: pulumi.Output<string>;
}

/**
 * The final snapshot's identifier for a cluster name. An EKS cluster name may hold `_` and start
 * with a digit; an RDS snapshot identifier (Amazon RDS API Reference, DeleteDBInstance,
 * FinalDBSnapshotIdentifier, and CreateDBSnapshot, DBSnapshotIdentifier) must be 1 to 255 letters,
 * digits or hyphens, begin with a letter, and neither end with a hyphen nor hold two in a row. Runs of
 * anything else become one hyphen; a name not starting with a letter gets the prefix `grafana-`.
 * A valid name is kept as it was (`<cluster>-grafana-final`), so existing stacks see no change.
 */
export function finalSnapshotIdentifier(clusterName: string): string {
    const cleaned = clusterName.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    const id = /^[A-Za-z]/.test(cleaned) ? `${cleaned}-grafana-final` : `grafana-${cleaned}-final`.replace(/--+/g, "-");
    return id.slice(0, 255).replace(/-+$/, "");
}

/**
 * Grafana's shared database: an RDS for PostgreSQL instance in the cluster's private subnets,
 * reachable only from the nodes' security group, encrypted with its own customer-managed key, its
 * password generated here and kept a Pulumi secret. Follows the Amazon RDS user guide: "Encrypting
 * Amazon RDS resources" (storage, snapshots and backups with a KMS key of ours), "Working with a DB
 * instance in a VPC" (a DB subnet group over 2+ AZs, not publicly accessible), "Controlling access
 * with security groups" (5432 from the clients' security group only), "Configuring and managing a
 * Multi-AZ deployment", "Deleting a DB instance" (deletion protection and a final snapshot) and
 * "Automatically upgrading the minor engine version".
 */
export class GrafanaDatabase extends pulumi.ComponentResource {
    /** Host and password for Grafana. */
    public readonly connection: GrafanaDatabaseConnection;
    /** The RDS instance. */
    public readonly instance: aws.rds.Instance;
    /** The key encrypting storage, snapshots, backups and Performance Insights. */
    public readonly kmsKey: aws.kms.Key;

    constructor(name: string, args: GrafanaDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:aws:GrafanaDatabase", name, {}, opts);
        const s = args.settings;
        const prod = args.production;
        const base: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
        // Losing users, preferences and annotations is not undoable: `pulumi destroy` refuses until unprotected.
        const keep: pulumi.CustomResourceOptions = prod ? { protect: true } : {};

        this.kmsKey = new aws.kms.Key(
            `${name}-key`,
            {
                description: pulumi.interpolate`Grafana's RDS database of EKS cluster ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: prod ? 30 : 7,
            },
            // Retained: the final snapshot is encrypted with it and is unreadable without it.
            { ...base, ...(prod ? { protect: true, retainOnDelete: true } : {}) },
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${pulumi.getProject()}-${pulumi.getStack()}-grafana-db`, targetKeyId: this.kmsKey.keyId }, base);

        const subnets = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            { description: "Private subnets of Grafana's database", subnetIds: args.subnetIds },
            base,
        );

        // No inline rules: the provider removes the default allow-all egress, and RDS opens no connections.
        const sg = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            { vpcId: args.vpcId, description: "Grafana's PostgreSQL: 5432 from the cluster's nodes only" },
            base,
        );
        // With the VPC CNI a pod's traffic leaves through its node's ENIs and carries the node's
        // security groups, unless security groups for pods are configured (EKS user guide, "Assign
        // security groups to individual Pods"); the EKS cluster security group is on every managed
        // node (EKS user guide, "View Amazon EKS security group requirements for clusters").
        const ingress = args.clientSecurityGroupIds.map(
            (source, i) =>
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-from-nodes-${i}`,
                    {
                        securityGroupId: sg.id,
                        referencedSecurityGroupId: source,
                        ipProtocol: "tcp",
                        fromPort: POSTGRES_PORT,
                        toPort: POSTGRES_PORT,
                        description: "PostgreSQL from the cluster's nodes (Grafana pods)",
                    },
                    base,
                ),
        );

        // Letters and digits only: RDS refuses '/', '@', '"' and spaces in a master password.
        const password = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, { parent: this });
        const secretPassword = pulumi.secret(password.result);

        this.instance = new aws.rds.Instance(
            `${name}-db`,
            {
                engine: "postgres",
                engineVersion: s.engineVersion,
                autoMinorVersionUpgrade: true,
                allowMajorVersionUpgrade: false,
                // Like the EKS control plane's STANDARD support: no silent Extended Support billing once the major ages out.
                engineLifecycleSupport: "open-source-rds-extended-support-disabled",
                instanceClass: s.instanceClass,
                allocatedStorage: s.allocatedStorageGiB,
                storageType: "gp3",
                storageEncrypted: true,
                // A restore keeps the snapshot's key: RestoreDBInstanceFromDBSnapshot takes no KMS key
                // (Amazon RDS user guide, "Restoring to a DB instance"; changing it means copying the
                // snapshot with another key, "Copying a DB snapshot"). The provider's kmsKeyId forces
                // replacement, so naming this key while restoring another key's snapshot would replace
                // the instance on every update. Left out then: the instance reports the snapshot's key.
                ...(s.restoreFromSnapshot === undefined ? { kmsKeyId: this.kmsKey.arn } : {}),
                dbName: GRAFANA_DATABASE_NAME,
                username: GRAFANA_DATABASE_USER,
                password: secretPassword,
                port: POSTGRES_PORT,
                // A DB subnet group's id is its name.
                dbSubnetGroupName: subnets.id,
                vpcSecurityGroupIds: [sg.id],
                publiclyAccessible: false,
                multiAz: s.multiAz,
                backupRetentionPeriod: s.backupRetentionDays,
                copyTagsToSnapshot: true,
                deletionProtection: prod,
                skipFinalSnapshot: !prod,
                ...(prod ? { finalSnapshotIdentifier: pulumi.output(args.clusterName).apply(finalSnapshotIdentifier) } : {}),
                ...(s.restoreFromSnapshot !== undefined ? { snapshotIdentifier: s.restoreFromSnapshot } : {}),
                performanceInsightsEnabled: s.performanceInsights,
                ...(s.performanceInsights ? { performanceInsightsKmsKeyId: this.kmsKey.arn, performanceInsightsRetentionPeriod: 7 } : {}),
                // Grafana signs in with the password; IAM database authentication would need a token refresher.
                iamDatabaseAuthenticationEnabled: false,
            },
            { ...base, ...keep, additionalSecretOutputs: ["password"] },
        );

        this.connection = {
            // Through the ingress rules' ids: whatever reads the host (Grafana's release) waits until pods may connect.
            host: pulumi.all([this.instance.address, this.instance.port, pulumi.all(ingress.map((r) => r.id))]).apply(([address, port]) => `${address}:${port}`),
            password: secretPassword,
        };
        this.registerOutputs({ address: this.instance.address, kmsKeyArn: this.kmsKey.arn });
    }
}
