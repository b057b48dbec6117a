/**
 * Real processes on loopback for end-to-end tests: free ports, bounded readiness waits, captured
 * output for failure messages, and a stop that is safe to call from `after` whatever happened.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";

/** A port nobody listens on right now (the OS picks it), on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

/** `n` distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
    const ports = new Set<number>();
    while (ports.size < n) ports.add(await freePort());
    return [...ports];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every `everyMs` until it returns a value other than undefined, or fails after
 * `timeoutMs` with `what` and the last error `check` threw.
 */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        await sleep(everyMs);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** A child process with its output kept (the last 64 KiB) for failure messages. */
export class Proc {
    private out = "";
    readonly child: ChildProcess;

    constructor(
        readonly name: string,
        bin: string,
        args: readonly string[],
        env: NodeJS.ProcessEnv = process.env,
    ) {
        this.child = spawn(bin, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
        const keep = (d: Buffer) => {
            this.out = (this.out + d.toString()).slice(-65_536);
        };
        this.child.stdout?.on("data", keep);
        this.child.stderr?.on("data", keep);
        this.child.on("error", (e) => keep(Buffer.from(`spawn error: ${e.message}\n`)));
    }

    get output(): string {
        return this.out;
    }

    get exited(): boolean {
        return this.child.exitCode !== null || this.child.signalCode !== null;
    }

    /** Waits until GET `url` answers 2xx; fails early with the output if the process exits. */
    async waitReady(url: string, timeoutMs = 20_000): Promise<void> {
        await waitFor(`${this.name} at ${url}`, timeoutMs, async () => {
            if (this.exited) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.out}`);
            try {
                return (await fetch(url)).ok ? true : undefined;
            } catch {
                return undefined; // not listening yet
            }
        }, 100).catch((e: Error) => {
            throw new Error(`${e.message}\n--- ${this.name} output ---\n${this.out}`);
        });
    }

    /** Stops the process (SIGTERM, then SIGKILL after `graceMs`) and resolves once it is gone. */
    async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 5_000): Promise<void> {
        if (this.exited) return;
        const gone = new Promise<void>((r) => this.child.once("exit", () => r()));
        this.child.kill(signal);
        const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
        await gone;
        clearTimeout(timer);
    }
}

/** Stops every process, never throwing (for `after`). */
export async function stopAll(procs: readonly (Proc | undefined)[]): Promise<void> {
    await Promise.all(procs.map((p) => p?.stop().catch(() => undefined)));
}
