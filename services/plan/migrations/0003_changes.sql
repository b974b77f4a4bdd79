-- The change feed's transactional outbox: one row per committed change, written in the transaction
-- of the change. The table (plan_changes) comes from the shared base schema
-- (common/storage/base_schema, ChangeSchemaSql).
SELECT 1;
