// The policy pack's entry point, run by `pulumi preview --policy-pack policy` and by Pulumi Cloud
// once published. The only place the pack is constructed: constructing it starts a policy server,
// so tests import the policies from ./policies instead.
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("plg-observability", {
    description: "What the plg-observability platform promises: encrypted private buckets, guarded EKS, least-privilege IAM, hardened nodes, pinned charts, no secrets in values, protected production state, tags.",
    policies: [...POLICIES],
});
