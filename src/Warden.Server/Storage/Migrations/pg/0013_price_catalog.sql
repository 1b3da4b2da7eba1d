-- Issue 22: the built-in price catalog. One row per model and currency whose price the catalog set, naming the
-- price_versions row it wrote. A price is the catalog's while its newest version is the one named here; once an operator
-- sets a price (a newer version), the catalog never touches that model again. Committed in the log with the prices.
CREATE TABLE price_catalog (
    model            TEXT NOT NULL,
    currency         TEXT NOT NULL,
    price_version    BIGINT NOT NULL REFERENCES price_versions (version),
    catalog_version  TEXT NOT NULL,
    PRIMARY KEY (model, currency)
);
