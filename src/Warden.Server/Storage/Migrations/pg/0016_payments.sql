-- PostgreSQL twin of ../0016_payments.sql (types mapped as in pg/0001_initial.sql).
-- Top-up by payment (issue 23): the orders Warden creates with a payment provider, and every provider notification
-- that credited one. Portable subset (no AUTOINCREMENT, no SQLite-only functions) so PostgreSQL can run the same.

-- One row per checkout or order created for a tenant. The amount is kept twice: in ledger micros (what the tenant is
-- credited) and in the provider's currency minor units (what the notification must report, e.g. cents or fen).
CREATE TABLE payment_orders (
    id                  TEXT PRIMARY KEY,            -- Warden's order id, sent to the provider (client_reference_id, out_trade_no)
    tenant_id           TEXT NOT NULL,
    provider            TEXT NOT NULL,               -- 'stripe' or 'alipay'
    amount_micros       BIGINT NOT NULL CHECK (amount_micros > 0),
    currency            TEXT NOT NULL,               -- the tenant's ledger currency
    provider_currency   TEXT NOT NULL,               -- the provider's currency code, e.g. usd or CNY
    amount_minor        BIGINT NOT NULL CHECK (amount_minor > 0),
    provider_reference  TEXT NULL,                   -- Stripe's Checkout Session id; Alipay's trade_no once paid
    state               TEXT NOT NULL CHECK (state IN ('created', 'paid', 'credited', 'failed')),
    created_by          TEXT NOT NULL,               -- who asked: admin:<key id>, console:<user>, or a customer account
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    credited_at         TEXT NULL,
    ledger_transaction  TEXT NULL                    -- the ledger transaction of the credit
);

CREATE INDEX payment_orders_tenant ON payment_orders (tenant_id, created_at);

-- Every notification that credited an order, keyed by the provider's own event or trade id: a replayed notification
-- hits the primary key and credits nothing. Written in the transaction that credits the ledger and marks the order.
CREATE TABLE payment_events (
    provider    TEXT NOT NULL,
    event_id    TEXT NOT NULL,                       -- Stripe's event id (evt_...), Alipay's trade_no
    order_id    TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (provider, event_id)
);

CREATE UNIQUE INDEX payment_events_order ON payment_events (order_id);

-- Channel edit (issue 23): a disabled channel keeps its configuration but takes no traffic. A row here means disabled,
-- so a data folder from before has no rows and its committed configuration is unchanged (Trust/ConfigTables).
CREATE TABLE channel_disabled (
    channel_id  TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    disabled_at TEXT NOT NULL
);
