// praxis-ignore-file: no-system-out
// A command-line tool: standard output is its interface.
package com.example.billing;

/** Prints an invoice summary: `java BillingCli ORDER_ID TOTAL_CENTS`. */
public final class BillingCli {
    private BillingCli() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: BillingCli ORDER_ID TOTAL_CENTS");
            System.exit(2);
        }
        long cents = Long.parseLong(args[1]);
        System.out.printf("order %s: %d.%02d %s%n", args[0], cents / 100, cents % 100, InvoiceService.CURRENCY);
    }
}
