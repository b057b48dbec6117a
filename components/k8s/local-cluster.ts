/**
 * The third cluster target: any conformant Kubernetes cluster (kind, k3d, Docker Desktop) reached
 * through a kubeconfig context (`cluster.kubeconfig`). Nothing is created in AWS and no cluster is
 * created: the platform only gets a Kubernetes provider bound to that context, and its volumes use
 * the cluster's default StorageClass unless `cluster.kubeconfig.storageClassName` names one.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ConfigError, PROJECT, type ClusterSettings } from "../../config";

export type KubeconfigSettings = NonNullable<ClusterSettings["kubeconfig"]>;

/** What the platform needs from the cluster it lands on, whichever target (ClusterAccess is the EKS superset). */
export interface KubernetesTarget {
    /** The `cluster` label on every metric and log line. */
    readonly name: pulumi.Output<string>;
    /** Provider every Kubernetes resource of the platform uses (server-side apply on). */
    readonly provider: k8s.Provider;
    /** StorageClass of every PVC; undefined: the cluster's default. */
    readonly storageClassName?: string | undefined;
    /** What a Helm release must wait for before it installs. */
    readonly ready: pulumi.Resource[];
}

/** The given kubeconfig path, `~/` expanded. */
export function kubeconfigFile(given: string, home: string = os.homedir()): string {
    return given.startsWith("~/") ? path.join(home, given.slice(2)) : given;
}

/**
 * The kubeconfig files kubectl and the Kubernetes provider read: the given path, else every file of
 * $KUBECONFIG (a path list, merged in order), else ~/.kube/config.
 */
export function kubeconfigFiles(given: string | undefined, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string[] {
    if (given !== undefined) return [kubeconfigFile(given, home)];
    const listed = (env.KUBECONFIG ?? "").split(path.delimiter).filter((p) => p.length > 0);
    return listed.length > 0 ? [...new Set(listed)] : [path.join(home, ".kube", "config")];
}

/** One kubeconfig file and its text (undefined: it cannot be read). */
export interface KubeconfigText {
    readonly file: string;
    readonly text: string | undefined;
}

/** Context names of a kubeconfig's text; undefined when it is not a kubeconfig (names only: never users or credentials). */
export function kubeconfigContexts(text: string): string[] | undefined {
    let doc: unknown;
    try {
        doc = parse(text);
    } catch {
        return undefined;
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return undefined;
    const contexts = (doc as { contexts?: unknown }).contexts;
    if (contexts === undefined || contexts === null) return [];
    if (!Array.isArray(contexts)) return undefined;
    return contexts.flatMap((c: unknown) => (c !== null && typeof c === "object" && typeof (c as { name?: unknown }).name === "string" ? [(c as { name: string }).name] : []));
}

/**
 * The problem with `cluster.kubeconfig.context` against the kubeconfig files read (each one's text,
 * or undefined when it cannot be read). As kubectl merges $KUBECONFIG: a file that cannot be read
 * is skipped, the contexts of the others are merged; when none can be read the provider reports what
 * it finds (e.g. in CI where the cluster is created later). A given path must be readable. Names the
 * key, the files and the contexts they have; nothing else of them.
 */
export function kubeconfigContextProblem(settings: KubeconfigSettings, files: readonly KubeconfigText[]): string | undefined {
    const readable = files.filter((f): f is { file: string; text: string } => f.text !== undefined);
    if (settings.path !== undefined && readable.length === 0) return `${PROJECT}:cluster.kubeconfig.path: expected a readable kubeconfig file, given ${JSON.stringify(settings.path)}, which cannot be read`;
    if (readable.length === 0) return undefined;
    const contexts: string[] = [];
    for (const f of readable) {
        const own = kubeconfigContexts(f.text);
        if (own === undefined) return `${PROJECT}:cluster.kubeconfig.${settings.path !== undefined ? "path" : "context"}: expected ${f.file} to be a kubeconfig (YAML with a contexts list), given a file that is not`;
        for (const c of own) if (!contexts.includes(c)) contexts.push(c);
    }
    if (contexts.includes(settings.context)) return undefined;
    const have = contexts.length > 0 ? `${readable.length > 1 ? "they have" : "it has"} ${contexts.map((c) => JSON.stringify(c)).join(", ")}` : `${readable.length > 1 ? "they have" : "it has"} none`;
    const where = readable.length > 1 ? `the merged kubeconfig of ${readable.map((f) => f.file).join(", ")}` : (readable[0] as KubeconfigText).file;
    return `${PROJECT}:cluster.kubeconfig.context: expected a context of ${where} (${have}; \`kind create cluster --name plg\` adds kind-plg), given ${JSON.stringify(settings.context)}`;
}

/** Reads the kubeconfig files and throws ConfigError (before any resource) when the context is in none of them. */
export function checkKubeconfigContext(settings: KubeconfigSettings, env: NodeJS.ProcessEnv = process.env): void {
    const files = kubeconfigFiles(settings.path, env).map((file): KubeconfigText => {
        try {
            return { file, text: fs.readFileSync(file, "utf8") };
        } catch {
            return { file, text: undefined };
        }
    });
    const problem = kubeconfigContextProblem(settings, files);
    if (problem !== undefined) throw new ConfigError([problem]);
}

export interface LocalClusterArgs {
    /** `cluster.kubeconfig`. */
    readonly kubeconfig: KubeconfigSettings;
    /** The `cluster` label (cluster.name). */
    readonly clusterName: string;
}

/** A cluster by kubeconfig context: the Kubernetes provider bound to it, nothing else. */
export class LocalCluster extends pulumi.ComponentResource {
    public readonly access: KubernetesTarget;

    constructor(name: string, args: LocalClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:LocalCluster", name, {}, opts);
        const k = args.kubeconfig;
        const provider = new k8s.Provider(
            `${name}-k8s`,
            {
                context: k.context,
                // A path, not the file's content: its credentials never enter the state (the provider reads the file at run time).
                ...(k.path !== undefined ? { kubeconfig: kubeconfigFile(k.path) } : {}),
                // No path: the provider merges $KUBECONFIG's files as kubectl does (client-go's loading rules).
                enableServerSideApply: true,
                // Replace the provider (and so every Kubernetes resource) only when the context changes.
                clusterIdentifier: k.context,
            },
            { parent: this },
        );
        this.access = { name: pulumi.output(args.clusterName), provider, storageClassName: k.storageClassName, ready: [] };
        this.registerOutputs({});
    }
}
