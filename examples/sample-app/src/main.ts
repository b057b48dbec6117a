/** Entry point: serves on PORT (default 8080) and drains connections on SIGTERM (Kubernetes' stop signal). */
import { createServer } from "node:http";
import { Registry } from "prom-client";
import { createApp } from "./app";
import { createLogger } from "./logger";
import { createMetrics } from "./metrics";

const logger = createLogger();
const port = Number(process.env.PORT ?? "8080");
const host = process.env.HOST ?? "0.0.0.0";
if (!Number.isInteger(port) || port < 0 || port > 65535) {
    logger.fatal({ port: process.env.PORT }, "PORT must be an integer between 0 and 65535");
    process.exit(2);
}

const server = createServer(createApp({ metrics: createMetrics(new Registry()), logger }));
// Longer than a typical load balancer's idle timeout, so it never reuses a connection we closed.
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => {
    const address = server.address();
    logger.info({ address }, "listening");
});

function shutdown(signal: string): void {
    logger.info({ signal }, "shutting down");
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // /work takes at most 1.5 s; anything still open after 10 s is abandoned.
    setTimeout(() => process.exit(1), 10_000).unref();
}
process.once("SIGTERM", () => shutdown("SIGTERM"));
process.once("SIGINT", () => shutdown("SIGINT"));
