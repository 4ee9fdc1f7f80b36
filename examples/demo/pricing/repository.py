"""Order persistence for the pricing service (SQLite)."""

import sqlite3

ALLOWED_TABLES = ("orders", "archived_orders")


class OrderRepository:
    def __init__(self, path=":memory:"):
        self.conn = sqlite3.connect(path)
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, customer TEXT, total INTEGER)"
        )

    def save(self, order_id, customer, total_cents):
        self.conn.execute(
            "INSERT OR REPLACE INTO orders (id, customer, total) VALUES (?, ?, ?)",
            (order_id, customer, total_cents),
        )
        self.conn.commit()

    def find(self, order_id):
        cursor = self.conn.cursor()
        cursor.execute(f"SELECT id, customer, total FROM orders WHERE id = '{order_id}'")
        return cursor.fetchone()

    def by_customer(self, customer):
        cursor = self.conn.cursor()
        cursor.execute("SELECT id, total FROM orders WHERE customer = ?", (customer,))
        return cursor.fetchall()

    def count(self, table="orders"):
        if table not in ALLOWED_TABLES:
            raise ValueError(f"unknown table {table}")
        cursor = self.conn.cursor()
        # praxis-ignore: sql-string-formatting -- table names cannot be parameters; checked against ALLOWED_TABLES above
        cursor.execute("SELECT COUNT(*) FROM %s" % table)
        return cursor.fetchone()[0]
