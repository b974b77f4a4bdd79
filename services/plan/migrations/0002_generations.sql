-- A per-municipality generation, bumped in every write transaction. Cache keys carry it, so a
-- value cached from an older state is never read after a write has committed. The table
-- (plan_generations) comes from the shared base schema (common/storage/base_schema).
SELECT 1;
