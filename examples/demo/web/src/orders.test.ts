import { test } from "node:test";
import assert from "node:assert/strict";
import { orderTotalCents, Order } from "./orders";

test("total multiplies quantity by unit price", () => {
  const order: Order = {
    id: "o-1",
    customerId: "c-1",
    status: "draft",
    lines: [
      { sku: "mug", quantity: 2, unitPriceCents: 1250 },
      { sku: "tea", quantity: 1, unitPriceCents: 499 },
    ],
  };
  // Tests may print: `no-console-log` ignores **/*.test.ts.
  console.log("order under test", order.id);
  assert.equal(orderTotalCents(order), 2999);
});
