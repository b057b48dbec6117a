import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_POD_SECURITY, namespaceLabels } from "./pod-security";

/**
 * Resource options of what holds the platform's state or keeps it collecting (namespaces, Helm
 * releases): protected in prod, so a rename or `pulumi destroy` stops until protection is lifted.
 */
export function protectedInProd(environment: "dev" | "prod"): pulumi.CustomResourceOptions {
    return environment === "prod" ? { protect: true } : {};
}

/** One of the platform's namespaces, labelled with the Pod Security level it enforces (pod-security.ts). */
export function platformNamespace(
    resourceName: string,
    namespace: keyof typeof NAMESPACE_POD_SECURITY,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(resourceName, { metadata: { name: namespace, labels: namespaceLabels(namespace) } }, opts);
}
