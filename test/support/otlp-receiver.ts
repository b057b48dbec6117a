/**
 * An OTLP/HTTP metrics receiver on loopback for tests: accepts what an SDK POSTs to /v1/metrics in
 * the JSON encoding (OTLP specification, "OTLP/HTTP": JSON-encoded Protobuf, 64-bit integers as
 * strings or numbers), keeps every export with the sender's address, and answers 200 with an empty
 * ExportMetricsServiceResponse. Anything else (another path, protobuf) is answered 415/404 and kept
 * as a refusal, so a test sees a sender using the wrong route or encoding.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface OtlpAnyValue {
    readonly stringValue?: string;
    readonly boolValue?: boolean;
    readonly intValue?: string | number;
    readonly doubleValue?: number;
}
export interface OtlpKeyValue {
    readonly key: string;
    readonly value: OtlpAnyValue;
}
export interface OtlpNumberDataPoint {
    readonly attributes?: readonly OtlpKeyValue[];
    readonly startTimeUnixNano?: string | number;
    readonly timeUnixNano: string | number;
    readonly asDouble?: number;
    readonly asInt?: string | number;
}
export interface OtlpHistogramDataPoint {
    readonly attributes?: readonly OtlpKeyValue[];
    readonly startTimeUnixNano?: string | number;
    readonly timeUnixNano: string | number;
    readonly count: string | number;
    readonly sum?: number;
    readonly bucketCounts: readonly (string | number)[];
    readonly explicitBounds: readonly number[];
}
/** AggregationTemporality: 1 delta, 2 cumulative. */
export type OtlpTemporality = 0 | 1 | 2;
export interface OtlpMetric {
    readonly name: string;
    readonly description?: string;
    readonly unit?: string;
    readonly sum?: { readonly aggregationTemporality: OtlpTemporality; readonly isMonotonic?: boolean; readonly dataPoints: readonly OtlpNumberDataPoint[] };
    readonly gauge?: { readonly dataPoints: readonly OtlpNumberDataPoint[] };
    readonly histogram?: { readonly aggregationTemporality: OtlpTemporality; readonly dataPoints: readonly OtlpHistogramDataPoint[] };
}
export interface OtlpResourceMetrics {
    readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
    readonly scopeMetrics: readonly { readonly scope?: { readonly name?: string; readonly version?: string }; readonly metrics: readonly OtlpMetric[] }[];
}

/** One POST as received. */
export interface OtlpExport {
    readonly at: number;
    /** The connection's source address (what k8sattributes' `connection` association reads). */
    readonly remoteAddress: string;
    readonly resourceMetrics: readonly OtlpResourceMetrics[];
}

export interface OtlpReceiver {
    /** Base URL, what OTEL_EXPORTER_OTLP_ENDPOINT would name. */
    readonly url: string;
    readonly exports: OtlpExport[];
    /** Requests refused: method, path and content type. */
    readonly refused: string[];
    close(): Promise<void>;
}

/** An attribute list as a plain map; every value as its string form. */
export function attributeMap(list: readonly OtlpKeyValue[] | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { key, value } of list ?? []) {
        const v = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
        if (v !== undefined) out[key] = String(v);
    }
    return out;
}

/** Starts the receiver on a free port of 127.0.0.1. `onExport` sees each export as it arrives. */
export function startOtlpReceiver(onExport?: (e: OtlpExport) => void): Promise<OtlpReceiver> {
    const exports: OtlpExport[] = [];
    const refused: string[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (d: Buffer) => chunks.push(d));
        req.on("end", () => {
            const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
            if (req.method !== "POST" || req.url !== "/v1/metrics") {
                refused.push(`${req.method} ${req.url} ${type}`);
                res.writeHead(404).end();
                return;
            }
            if (type !== "application/json") {
                refused.push(`${req.method} ${req.url} ${type}`);
                res.writeHead(415).end();
                return;
            }
            const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { resourceMetrics?: OtlpResourceMetrics[] };
            const e: OtlpExport = { at: Date.now(), remoteAddress: req.socket.remoteAddress ?? "", resourceMetrics: body.resourceMetrics ?? [] };
            exports.push(e);
            onExport?.(e);
            res.writeHead(200, { "content-type": "application/json" }).end("{}");
        });
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () =>
            resolve({
                url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
                exports,
                refused,
                close: () => new Promise<void>((r) => server.close(() => r())),
            }),
        ),
    );
}
