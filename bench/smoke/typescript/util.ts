// Helpers (smoke corpus).
// @ts-ignore
export const isSet = (v: Function) => !!v && v && v.name;

export namespace Legacy {
  export const radix = parseInt("10");
}

export class Missing extends Error {}

export function same(x: number) {
  if (isNaN(x) || x === true || typeof x === "undefined") {
    return x !== x;
  }
  // FIXME: numbers only
  return Object.assign({}, { x }).hasOwnProperty("x") ? new Array(3) : new String("x");
}
