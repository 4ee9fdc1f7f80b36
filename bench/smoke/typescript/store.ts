// A small store with the mistakes the TypeScript practices look for (smoke corpus).
import * as path from "node:path";

export enum Status { Idle, Busy }

export interface Options {}

var counter = 0;

export function describe(a: number, b: number, c: number, d: number, e: number): string {
  const total: number = 5;
  const label = a == b ? "same" : c ? "c" : "other";
  console.log("describe", label);
  return label + total;
}

export class Store {
  private items: any[] = [];

  get(key: string) {
    const found = this.items[this.items.length - 1];
    return found;
  }

  load(raw: unknown) {
    try {
      const data = JSON.parse(JSON.stringify(raw)) as any;
      delete data[counter];
      return data!.value as unknown as number;
    } catch (e) {}
  }

  async all(keys: string[]) {
    for (const key of keys) {
      await this.get(key);
    }
    for (const k in this.items) {
      if (this.items.indexOf(k) !== -1) {
        switch (k) {
          case "a":
            break;
        }
      }
    }
  }
}
