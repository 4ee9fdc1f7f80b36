import { logger } from "./logger";

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  customerId: string;
  lines: OrderLine[];
  status: "draft" | "submitted" | "paid";
}

export function orderTotalCents(order: Order): number {
  return order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}

export function parseOrder(body: any): Order {
  console.log("parsing order", body.id);
  return {
    id: String(body.id),
    customerId: String(body.customerId),
    lines: Array.isArray(body.lines) ? body.lines : [],
    status: "draft",
  };
}

export async function submitOrder(order: Order, baseUrl: string): Promise<Order> {
  // TODO: retry when the gateway answers 503
  const response = await fetch(`${baseUrl}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(order),
  });
  if (!response.ok) {
    logger.error("order rejected", { orderId: order.id, status: response.status });
    throw new Error(`gateway rejected order ${order.id}: ${response.status}`);
  }
  const saved: Order = await response.json();
  logger.info("order submitted", { orderId: saved.id, totalCents: orderTotalCents(saved) });
  return saved;
}
