/**
 * What a node can hold: allocatable CPU and memory of the EC2 instance types node groups use, by
 * the formula the EKS AMIs apply (amazon-eks-ami: kube-reserved memory = 11 MiB per pod the node
 * may run + 255 MiB; kube-reserved CPU = 6% of the first core, 1% of the second, 0.5% of the next
 * two, 0.25% of the rest; eviction threshold memory.available < 100Mi). Max pods per type are the
 * VPC CNI's ENI-based values (amazon-eks-ami eni-max-pods.txt). Pure data and arithmetic.
 */

/** Hardware of an instance size. */
interface Size {
    readonly vcpu: number;
    /** VPC CNI max pods without prefix delegation. */
    readonly maxPods: number;
}

const SIZES: Readonly<Record<string, Size>> = {
    medium: { vcpu: 2, maxPods: 17 },
    large: { vcpu: 2, maxPods: 29 },
    xlarge: { vcpu: 4, maxPods: 58 },
    "2xlarge": { vcpu: 8, maxPods: 58 },
    "4xlarge": { vcpu: 16, maxPods: 234 },
    "8xlarge": { vcpu: 32, maxPods: 234 },
};

/** GiB of memory per vCPU by family class (general purpose, compute, memory optimised, burstable). */
const GIB_PER_VCPU: Readonly<Record<string, number>> = { m: 4, c: 2, r: 8, t: 2 };

/** Families whose sizes follow the table above (x86 and Graviton, current generations). */
const FAMILY = /^(m|c|r)(5|5a|5n|6i|6a|6in|6g|7i|7a|7g|8g|8i)$|^t(3|3a|4g)$/;

/** Share of the nominal memory the kubelet sees as capacity (firmware and the kernel keep the rest). */
const KUBELET_MEMORY_SHARE = 0.94;
const EVICTION_HARD_MIB = 100;

/** What one node of an instance type offers the scheduler. */
export interface NodeAllocatable {
    readonly instanceType: string;
    readonly cpuMillis: number;
    readonly memoryMiB: number;
    readonly maxPods: number;
}

function reservedCpuMillis(vcpu: number): number {
    let m = 0;
    for (let core = 1; core <= vcpu; core++) m += core === 1 ? 60 : core === 2 ? 10 : core <= 4 ? 5 : 2.5;
    return m;
}

/** Allocatable of `instanceType`, or undefined when the type is not in the table (no guess). */
export function nodeAllocatable(instanceType: string): NodeAllocatable | undefined {
    const [family, size] = instanceType.split(".");
    if (family === undefined || size === undefined || !FAMILY.test(family)) return undefined;
    const s = SIZES[size];
    const perVcpu = GIB_PER_VCPU[family.charAt(0)];
    if (s === undefined || perVcpu === undefined) return undefined;
    const capacityMiB = s.vcpu * perVcpu * 1024 * KUBELET_MEMORY_SHARE;
    return {
        instanceType,
        cpuMillis: s.vcpu * 1000 - reservedCpuMillis(s.vcpu),
        memoryMiB: capacityMiB - (11 * s.maxPods + 255) - EVICTION_HARD_MIB,
        maxPods: s.maxPods,
    };
}

/**
 * Requests of the EKS add-ons the cluster installs (their own defaults, not the platform's):
 * per node aws-node, kube-proxy, eks-pod-identity-agent and ebs-csi-node; per cluster two CoreDNS
 * and two EBS CSI controller replicas. Counted so headroom checks do not assume empty nodes.
 */
export const EKS_ADDON_REQUESTS = {
    perNode: { cpuMillis: 25 + 100 + 25 + 30, memoryMiB: 0 + 0 + 0 + 120 },
    perCluster: { cpuMillis: 2 * 100 + 2 * 60, memoryMiB: 2 * 70 + 2 * 240 },
} as const;
