-- PostgreSQL twin of ../0014_operation_prices.sql (types mapped as in pg/0001_initial.sql).
-- Issue 22: prices for operations not priced per token, and usage recorded in those units. Embeddings and legacy
-- completions are priced per token in price_versions (embeddings: input only). Everything else is a price per unit:
-- per image (variant "SIZE/QUALITY", "SIZE/*" or "*"), per audio second (transcription, translation), per character
-- (speech) or per search unit (rerank: one per query and started hundred documents). A changed price is a new version,
-- as in price_versions; versions are numbered by the writer (MAX + 1 in the writing transaction), not by the database.
-- source is "operator" or "catalog:VERSION": a unit price is the catalog's while its newest version came from it.
CREATE TABLE unit_prices (
    version          BIGINT NOT NULL PRIMARY KEY,
    model            TEXT NOT NULL,
    currency         TEXT NOT NULL,
    unit             TEXT NOT NULL CHECK (unit IN ('image', 'audio_second', 'character', 'search_unit')),
    variant          TEXT NOT NULL,
    micros_per_unit  BIGINT NOT NULL CHECK (micros_per_unit >= 0),
    source           TEXT NOT NULL,
    effective_at     TEXT NOT NULL,
    created_at       TEXT NOT NULL
);

CREATE INDEX unit_prices_model ON unit_prices (model, currency, unit, variant, effective_at);

-- One row per request and unit it was billed in: the quantity (images, whole seconds, characters, search units), the
-- unit price version and the micros charged before the tenant multiplier. Never content.
CREATE TABLE operation_usage (
    request_id       TEXT NOT NULL,
    operation        TEXT NOT NULL,
    model            TEXT NOT NULL,
    unit             TEXT NOT NULL,
    variant          TEXT NOT NULL,
    quantity         BIGINT NOT NULL CHECK (quantity >= 0),
    price_version    BIGINT,
    micros           BIGINT NOT NULL CHECK (micros >= 0),
    created_at       TEXT NOT NULL,
    PRIMARY KEY (request_id, unit, variant)
);
