"""The demo history's traffic: a few hours of the demo application's requests, run for real.

Statements and parameter types are the demo workload's own (lib/demo/workload.py), so they land on
the same pg_stat_statements entries, plus a payment reconciliation lookup by provider reference
that only the history's story uses (it gets its index in the story's second week).
"""

from __future__ import annotations

import hashlib
import random

import psycopg
from psycopg.types.json import Jsonb
from psycopg.types.numeric import Int4

from lib.demo import workload as w

PAYMENT_BY_PROVIDER_REF = "SELECT id, invoice_id, amount, paid_at FROM payments WHERE provider_ref = %s"


class DemoTraffic:
    def __init__(self, conn: psycopg.Connection, seed: int = 7):
        self.conn = conn
        self.rng = random.Random(seed)

    def run(self, query: str, params: tuple | None = None) -> list[tuple]:
        cur = self.conn.execute(query, params)
        return cur.fetchall() if cur.description else []

    def slot(self, busy: float, daily_report: bool, month_end: bool) -> None:
        """One six-hour slot: `busy` scales the requests (night 0.3, office hours 1-2, weekend 0.5)."""
        for _ in range(max(1, round(40 * busy))):
            self.run(w.CLIENT_BY_ID, (w.demo_uuid("client", self.rng.randint(1, w.CLIENTS)),))
            self.run(w.INVOICE_BY_ID, (w.demo_uuid("invoice", self.rng.randint(1, w.INVOICES)),))
        for _ in range(max(1, round(12 * busy))):
            self.run(PAYMENT_BY_PROVIDER_REF, (self.provider_ref(),))
        for _ in range(round(5 * busy)):
            self.run(w.READ_DASHBOARD)
        if busy >= 1:
            self.writes(round(10 * busy))
            for client_id, _name, _email in self.run(w.CLIENT_LIST)[:20]:
                self.run(w.INVOICES_OF_CLIENT, (client_id,))
        if daily_report:
            self.run(w.CLIENTS_WITH_LEAD_COUNTS)
        if month_end:
            self.run(w.MONTHLY_FUNNEL)

    def writes(self, n: int) -> None:
        leads = []
        for _ in range(n):
            k = self.rng.randint(1, 10**9)
            (lead_id,) = self.run(w.INSERT_LEAD, (f"signup{k}@example.org", f"Signup {k}", f"Company {k % 6000}",
                                                  self.rng.choice(["web", "ads", "referral"]), "new",
                                                  Int4(self.rng.randint(0, 99))))[0]
            leads.append(lead_id)
            self.run(w.INSERT_AUDIT, ("leads", str(lead_id), "insert", "api", Jsonb({"status": "new"})))
        for lead_id in leads[: n // 2]:
            self.run(w.UPDATE_LEAD_STATUS, ("contacted", lead_id))
        invoices = [w.demo_uuid("invoice", self.rng.randint(1, w.INVOICES)) for _ in range(100)]
        self.run(w.BATCH_INSERT_PAYMENTS, (
            invoices, [round(self.rng.uniform(10, 900), 2) for _ in invoices],
            [self.rng.choice(["card", "bank_transfer"]) for _ in invoices],
            [f"settle_{self.rng.getrandbits(48):012x}" for _ in invoices]))

    def provider_ref(self) -> str:
        """A reference the demo's payments really carry ('pay_' || md5(invoice id || part), schema.sql)."""
        invoice = w.demo_uuid("invoice", self.rng.randint(1, w.INVOICES))
        return "pay_" + hashlib.md5(f"{invoice}1".encode()).hexdigest()
