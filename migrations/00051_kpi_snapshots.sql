-- +goose Up
-- One row of receivables figures per calendar day, written by the daily snapshot job,
-- so the dashboard draws 12-month trends without scanning every invoice per request.
-- Amounts are minor units of the organization's currency; ratios are stored in
-- hundredths (DSO 45.25 days is 4525) to stay exact without floats.
CREATE TABLE kpi_snapshots (
    snapshot_date        date        PRIMARY KEY,
    currency             char(3)     NOT NULL,
    open_minor           bigint      NOT NULL,
    current_minor        bigint      NOT NULL,
    bucket_1_30_minor    bigint      NOT NULL,
    bucket_31_60_minor   bigint      NOT NULL,
    bucket_61_90_minor   bigint      NOT NULL,
    bucket_91_plus_minor bigint      NOT NULL,
    overdue_minor        bigint      NOT NULL,
    credit_sales_minor   bigint      NOT NULL,
    dso_centi            bigint      NOT NULL,
    best_dso_centi       bigint      NOT NULL,
    add_centi            bigint      NOT NULL,
    cei_centi            bigint,
    current_share_centi  bigint,
    taken_at             timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE kpi_snapshots;
