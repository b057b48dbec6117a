import type { Check } from "./checks";

/** Cross-key rules of `grafana.database` (listed in config/checks.ts CHECKS). */
export const grafanaDatabaseChecks: Check[] = [
    {
        // SQLite is a file on one ReadWriteOnce EBS volume: a second replica could neither mount it nor share it.
        name: "Grafana replicas share a database only on RDS",
        run(s, ctx) {
            const db = s.grafana.database;
            if (db.type === "sqlite" && db.replicas > 1) {
                ctx.problem(
                    ["grafana", "database", "replicas"],
                    `SQLite lives on one volume that only one Grafana can mount; expected 1 with grafana.database.type sqlite (or type rds for more), given ${db.replicas}`,
                );
            }
        },
    },
    {
        name: "prod: Grafana without a single point of failure",
        run(s, ctx) {
            if (s.environment !== "prod") return;
            const db = s.grafana.database;
            if (db.type !== "rds") {
                ctx.problem(["grafana", "database", "type"], `prod runs Grafana on replicas sharing a managed PostgreSQL; expected rds, given ${db.type}`);
                return;
            }
            if (db.replicas < 2) ctx.problem(["grafana", "database", "replicas"], `prod runs Grafana without a single point of failure; expected at least 2, given ${db.replicas}`);
            if (!db.multiAz) ctx.problem(["grafana", "database", "multiAz"], "prod's Grafana database must survive the loss of an availability zone; expected true, given false");
        },
    },
    {
        // A created cluster knows its private subnets and the security group its managed nodes carry; a brought one does not say.
        name: "Grafana's database on a brought cluster: where to place it and who may reach it",
        run(s, ctx) {
            const db = s.grafana.database;
            if (db.type !== "rds" || s.cluster.existing === undefined) return;
            if (db.subnetIds === undefined || db.subnetIds.length < 2) {
                ctx.problem(
                    ["grafana", "database", "subnetIds"],
                    `on a brought cluster (cluster.existing) the database's private subnets are not known; expected at least 2 subnet ids in different AZs, given ${db.subnetIds?.length ?? "none"}`,
                );
            }
            if (db.clientSecurityGroupIds === undefined || db.clientSecurityGroupIds.length === 0) {
                ctx.problem(
                    ["grafana", "database", "clientSecurityGroupIds"],
                    "on a brought cluster (cluster.existing) the security group of the nodes Grafana runs on is not known; expected at least one security group id (the nodes', e.g. the EKS cluster security group), given none",
                );
            }
        },
    },
    {
        name: "Grafana's database: at least two subnets when given",
        run(s, ctx) {
            const ids = s.grafana.database.subnetIds;
            if (s.grafana.database.type === "rds" && s.cluster.existing === undefined && ids !== undefined && ids.length < 2) {
                ctx.problem(["grafana", "database", "subnetIds"], `an RDS subnet group spans at least 2 AZs; expected at least 2 subnet ids, given ${ids.length}`);
            }
        },
    },
];
