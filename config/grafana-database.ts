import { z } from "zod";
import { positiveInt, subnetId, text, uniqueList } from "./validators";

/**
 * PostgreSQL major versions Grafana's database may run on RDS. Only the major is pinned: with
 * automatic minor version upgrades on, RDS applies minor releases in the maintenance window and the
 * Pulumi AWS provider accepts a version prefix ("If autoMinorVersionUpgrade is enabled, you can
 * provide a prefix of the version such as 8.0", aws.rds.Instance engineVersion); a full minor pinned
 * here would be downgraded back to on every `up` after RDS upgraded it. All three are under RDS
 * standard support in late 2026 (Amazon RDS for PostgreSQL release notes, "Release calendars for
 * Amazon RDS for PostgreSQL": 16 until February 2029, 17 until February 2030, 18 until February 2031;
 * minor versions 17.1-17.4 left standard support on May 31, 2026, upgraded to 17.7 or later).
 */
export const GRAFANA_POSTGRES_MAJOR_VERSIONS = ["16", "17", "18"] as const;

const securityGroupId = text(/^sg-[0-9a-f]{8,17}$/, "expected a security group id such as sg-0123456789abcdef0");

/** `grafana.database`: where Grafana keeps users, preferences, annotations and alert state. */
export const grafanaDatabaseSchema = z
    .strictObject({
        type: z
            .enum(["sqlite", "rds"], { message: "expected sqlite or rds" })
            .describe("sqlite: one Grafana replica with its database on a PVC (dev); rds: Grafana replicas sharing an Amazon RDS PostgreSQL instance (prod)."),
        replicas: positiveInt(1, 10).describe("Grafana replicas; more than 1 needs type rds (prod needs at least 2)."),
        instanceClass: text(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, "expected an RDS instance class such as db.t4g.small").describe("RDS instance class (type rds)."),
        allocatedStorageGiB: positiveInt(20, 1000).describe("gp3 storage of the RDS instance, GiB (20 is gp3's minimum)."),
        multiAz: z.boolean({ message: "expected true or false" }).describe("A synchronous standby in another AZ (required in prod)."),
        backupRetentionDays: positiveInt(1, 35).describe("Days of automated backups (point-in-time restore)."),
        engineVersion: z
            .enum(GRAFANA_POSTGRES_MAJOR_VERSIONS, { message: `expected one of ${GRAFANA_POSTGRES_MAJOR_VERSIONS.join(", ")}` })
            .describe("PostgreSQL major version; RDS applies minor versions automatically in the maintenance window."),
        performanceInsights: z.boolean({ message: "expected true or false" }).describe("RDS Performance Insights (7 days free tier), encrypted with the database's key."),
        subnetIds: uniqueList(subnetId, "subnet id")
            .optional()
            .describe("Private subnets (2+ AZs) for the database; default: the cluster's private subnets. Required on a brought cluster."),
        clientSecurityGroupIds: uniqueList(securityGroupId, "security group id")
            .optional()
            .describe("Security groups allowed to reach PostgreSQL (5432): the nodes' (pods use their node's with the VPC CNI); default: the EKS cluster security group. Required on a brought cluster."),
        restoreFromSnapshot: text(/^[A-Za-z][A-Za-z0-9:-]{0,254}$/, "expected an RDS snapshot identifier or ARN")
            .optional()
            .describe("Create the database from this snapshot (changing it replaces the instance; README \"Grafana high availability\")."),
    })
    .describe("Grafana's database.");

export type GrafanaDatabaseSettings = z.infer<typeof grafanaDatabaseSchema>;
