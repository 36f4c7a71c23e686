-- Serves the dashboard's organization search (name LIKE 'prefix%') whatever the database's collation.
CREATE INDEX organizations_name_pattern ON organizations (name text_pattern_ops);
