-- The PostGIS side of the `audit` bench entry, part 1: after the streets are
-- loaded by ogr2ogr (table `streets`: id, highway, name, geom LineString 27700,
-- with its GiST index) and the two CSVs copied as they are into `lamps_csv`
-- and `defects_csv` (psql \copy, run.sh), make the point tables and their
-- GiST indexes. Timed with the ogr2ogr and the \copy as "load".
\set ON_ERROR_STOP on
\timing on

DROP TABLE IF EXISTS lamps, defects;

CREATE TABLE lamps AS
SELECT unit_id, lumens, height, ST_SetSRID(ST_MakePoint(easting, northing), 27700)::geometry(Point, 27700) AS geom
FROM lamps_csv;
CREATE INDEX lamps_geom ON lamps USING gist (geom);

-- open = no Fixed date (safemap without --at)
CREATE TABLE defects AS
SELECT category, reported, fixed, fixed IS NULL AS open,
       ST_SetSRID(ST_MakePoint(easting, northing), 27700)::geometry(Point, 27700) AS geom
FROM defects_csv;
CREATE INDEX defects_geom ON defects USING gist (geom);

DROP TABLE lamps_csv, defects_csv;
ANALYZE streets;
ANALYZE lamps;
ANALYZE defects;
