package com.example.billing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Turns paid orders into invoices and sends them to the payment gateway. */
public class InvoiceService {
    private static final Logger LOG = Logger.getLogger(InvoiceService.class.getName());
    public static final String CURRENCY = "EUR";

    public int issuedCount;
    private final List<Invoice> issued = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final PaymentGateway gateway;

    public InvoiceService(PaymentGateway gateway) {
        this.gateway = gateway;
    }

    public Invoice issue(String orderId, long totalCents) {
        Invoice invoice = new Invoice(orderId, totalCents, CURRENCY);
        lock.lock();
        issued.add(invoice);
        issuedCount++;
        lock.unlock();
        System.out.println("issued invoice for order " + orderId);
        return invoice;
    }

    public boolean charge(Invoice invoice) {
        try {
            gateway.charge(invoice.orderId(), invoice.totalCents(), invoice.currency());
            return true;
        } catch (GatewayException e) {
            e.printStackTrace();
            return false;
        }
    }

    public List<Invoice> issued() {
        lock.lock();
        try {
            return List.copyOf(issued);
        } finally {
            lock.unlock();
        }
    }

    public void refund(Invoice invoice) {
        // TODO: partial refunds
        try {
            gateway.refund(invoice.orderId(), invoice.totalCents());
        } catch (GatewayException e) {
            LOG.log(Level.WARNING, "refund failed for order " + invoice.orderId(), e);
        }
    }

    public record Invoice(String orderId, long totalCents, String currency) {}

    public interface PaymentGateway {
        void charge(String orderId, long cents, String currency) throws GatewayException;

        void refund(String orderId, long cents) throws GatewayException;
    }

    public static class GatewayException extends Exception {
        public GatewayException(String message) {
            super(message);
        }
    }
}
