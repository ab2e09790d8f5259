-- The PostGIS side of the `audit` bench entry, part 2 (timed as "compute"):
-- safemap audit's lighting model and open-defect count in SQL, on the tables
-- audit_postgis_load.sql leaves (streets, lamps, defects). docs/audit.md:
--
--  * a lamp is out when an open street-light defect lies within 15 m of it
--    (the generator's only street-light category is 'Street light not
--    working'; safemap matches the words street light, lighting, lamp, light);
--  * each segment (one generated line = one safemap segment) has
--    n = ceil(length / 5 - 1e-9) equal intervals, samples at their middles:
--    ST_LineInterpolatePoint(geom, (k + 0.5) / n), k = 0 .. n - 1;
--  * at each sample, the sum over the lit lamps with r < reach = 10 h of
--    E = F * MF / pi * h^2 / (h^2 + r^2)^2, MF = 0.8, candidates from the GiST
--    index with ST_DWithin(lamp, sample, largest reach) (safemap: r < reach,
--    strictly); a parallel nested loop, partial aggregates per sample;
--  * per segment the mean and the minimum over its samples;
--  * per segment the number of open defects within 30 m (ST_DWithin, <=, as
--    safemap's distance <= --defect-radius).
--
-- Leaves the table audit_result (id, n_samples, lux_avg, lux_min,
-- defects_open); run.sh exports it afterwards, untimed.
\set ON_ERROR_STOP on
\timing on

DROP TABLE IF EXISTS audit_lamps_lit, audit_samples, audit_sample_lux, audit_lux, audit_defects, audit_result;

\echo step lamps_lit
CREATE TABLE audit_lamps_lit AS
SELECT l.unit_id, l.lumens, l.height, 10 * l.height AS reach, l.geom
FROM lamps l
WHERE NOT EXISTS (SELECT 1 FROM defects d
                  WHERE d.open AND d.category = 'Street light not working' AND ST_DWithin(d.geom, l.geom, 15));
CREATE INDEX audit_lamps_lit_geom ON audit_lamps_lit USING gist (geom);
ANALYZE audit_lamps_lit;
SELECT max(reach) AS rmax FROM audit_lamps_lit \gset

\echo step samples
CREATE TABLE audit_samples AS
SELECT s.id, k, s.n, ST_LineInterpolatePoint(s.geom, (k + 0.5) / s.n) AS geom
FROM (SELECT id, geom, GREATEST(ceil(ST_Length(geom) / 5 - 1e-9), 1)::int AS n FROM streets) s,
     generate_series(0, s.n - 1) AS k;
ANALYZE audit_samples;

\echo step illuminance
-- E = F MF / pi h^2 / (h^2 + r^2)^2, in safemap's order of operations. A join grouped by sample, so that
-- the planner can run it in parallel (a LATERAL subquery with the sum inside runs serially); samples with
-- no lamp in reach get 0. The samples table is given 2 parallel workers, as safemap runs with -j 2.
ALTER TABLE audit_samples SET (parallel_workers = 2);
CREATE TABLE audit_sample_lux AS
SELECT p.id, p.k,
       COALESCE(sum(l.lumens * 0.8 / pi() * l.height * l.height
                    / ((l.height * l.height + l.r * l.r) * (l.height * l.height + l.r * l.r))), 0) AS e
FROM audit_samples p
LEFT JOIN LATERAL (SELECT l.lumens, l.height, l.reach, ST_Distance(l.geom, p.geom) AS r
                   FROM audit_lamps_lit l
                   WHERE ST_DWithin(l.geom, p.geom, :rmax)) l ON l.r < l.reach
GROUP BY p.id, p.k;

\echo step per_segment
CREATE TABLE audit_lux AS
SELECT id, count(*) AS n_samples, avg(e) AS lux_avg, min(e) AS lux_min
FROM audit_sample_lux GROUP BY id;

\echo step defects
CREATE TABLE audit_defects AS
SELECT s.id, count(d.geom) AS defects_open
FROM streets s LEFT JOIN defects d ON d.open AND ST_DWithin(s.geom, d.geom, 30)
GROUP BY s.id;

\echo step result
CREATE TABLE audit_result AS
SELECT x.id, x.n_samples, x.lux_avg, x.lux_min, d.defects_open
FROM audit_lux x JOIN audit_defects d USING (id);
\echo step end
