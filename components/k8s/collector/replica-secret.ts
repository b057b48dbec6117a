import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alloy } from "../../endpoints";
import { LOG_REPLICA_SECRET } from "./replica";

/**
 * The Kubernetes Secret with logs.replicateTo's credential (a Pulumi secret end to end), beside the
 * Alloy release that mounts it: the node Alloy's namespace by default, the OTLP gateway's for its own.
 */
export function logReplicaSecret(name: string, credential: pulumi.Output<string>, opts: pulumi.CustomResourceOptions, namespace: string = alloy.namespace): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: LOG_REPLICA_SECRET.name, namespace },
            type: "Opaque",
            stringData: pulumi.secret(credential.apply((v) => ({ [LOG_REPLICA_SECRET.key]: v }))),
        },
        opts,
    );
}
