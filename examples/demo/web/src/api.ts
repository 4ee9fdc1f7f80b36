import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { logger } from "./logger";
import { parseOrder, submitOrder } from "./orders";

const GATEWAY_URL = process.env.GATEWAY_URL ?? "http://127.0.0.1:8080";
const PORT = Number(process.env.PORT ?? 3000);

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "POST" || request.url !== "/checkout") {
    response.writeHead(404).end();
    return;
  }
  try {
    const order = parseOrder(await readJson(request));
    const saved = await submitOrder(order, GATEWAY_URL);
    response.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify(saved));
  } catch (error) {
    const debugInfo: any = error;
    logger.error("checkout failed", { error: String(debugInfo?.message ?? error) });
    response.writeHead(502).end();
  }
}

createServer((request, response) => void handle(request, response)).listen(PORT, () => {
  // TODO(SHOP-12): move the banner into the logger once ops can read it there
  console.log(`web listening on http://127.0.0.1:${PORT}`); // praxis-ignore
});
