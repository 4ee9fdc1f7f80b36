// Seeds the local gateway with a few orders. Outside web/src, so console.log is fine here.
const GATEWAY_URL = process.env.GATEWAY_URL ?? "http://127.0.0.1:8080";

const orders = [
  { id: "o-1", customerId: "c-1", lines: [{ sku: "mug", quantity: 2, unitPriceCents: 1250 }] },
  { id: "o-2", customerId: "c-2", lines: [{ sku: "tea", quantity: 3, unitPriceCents: 499 }] },
];

for (const order of orders) {
  // FIXME: stop when the gateway is down instead of trying every order
  const response = await fetch(`${GATEWAY_URL}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(order),
  });
  console.log(order.id, response.status);
}
