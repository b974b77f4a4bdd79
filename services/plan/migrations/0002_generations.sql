-- A per-municipality generation, bumped in every write transaction. Cache keys carry it, so a
-- value cached from an older state is never read after a write has committed.
CREATE TABLE plan_generations (
  municipality TEXT PRIMARY KEY,
  generation BIGINT NOT NULL
);
