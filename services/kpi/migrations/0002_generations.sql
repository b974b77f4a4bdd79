-- A per-municipality generation, bumped in every write transaction. Cached summaries carry it in
-- their key, so a value computed from an older state is never read after a write has committed.
-- The table (kpi_generations) comes from the shared base schema (common/storage/base_schema).
SELECT 1;
