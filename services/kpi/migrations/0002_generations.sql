-- A per-municipality generation, bumped in every write transaction. Cached summaries carry it in
-- their key, so a value computed from an older state is never read after a write has committed.
CREATE TABLE kpi_generations (
  municipality TEXT PRIMARY KEY,
  generation BIGINT NOT NULL
);
