# spdep_ward_centroids.R -- distance-band weights between ward centroids (spdep), the golden of
# `safemap hotspots --wards W --weights band --band 2000`.
# Run from this folder:  Rscript spdep_ward_centroids.R
# Reads  ../../../../data/wards/camden_wards_2024.gpkg  (layer "wards", EPSG:27700)
#        ../camden_ward_counts.csv                      (area_id = WD24CD, area_name, total)
# Centroids: sf::st_centroid (GEOS, as safemap). Neighbours: dnearneigh(centroids, 0, 2000) (j != i within
# 2000 m, inclusive). Writes
#   centroid_band_2000.csv  id, cx, cy, neighbours (card), gi (localG, include.self, style B),
#                           lisa_i, lisa_z (localmoran, style B; conditional, two-sided defaults)
#   centroid_band_2000_global.csv  moran.test, style W and B, randomisation = TRUE
# Every number is written with sprintf("%.17g").
suppressMessages({ library(sf); library(spdep) })
options(warn = 2)

f17 <- function(v) if (is.numeric(v)) sprintf("%.17g", v) else as.character(v)
write17 <- function(df, file) {
  lines <- c(paste(names(df), collapse = ","),
             do.call(paste, c(lapply(df, f17), sep = ",")))
  writeLines(lines, file)
}

w <- st_read("../../../../data/wards/camden_wards_2024.gpkg", layer = "wards", quiet = TRUE)
stopifnot(nrow(w) == 20L, !anyDuplicated(w$WD24CD))
cnt <- read.csv("../camden_ward_counts.csv", colClasses = c("character", "character", "numeric"))
ids <- w$WD24CD
x <- cnt$total[match(ids, cnt$area_id)]
stopifnot(!anyNA(x))

xy <- st_coordinates(st_centroid(st_geometry(w)))
nb <- dnearneigh(xy, 0, 2000)
stopifnot(all(card(nb) > 0))
gi <- localG(x, nb2listw(include.self(nb), style = "B"))
stopifnot(isTRUE(attr(gi, "gstari")))
lm <- localmoran(x, nb2listw(nb, style = "B"))
write17(data.frame(id = ids, cx = xy[, 1], cy = xy[, 2], neighbours = card(nb), gi = as.numeric(gi),
                   lisa_i = as.numeric(lm[, "Ii"]), lisa_z = as.numeric(lm[, "Z.Ii"])), "centroid_band_2000.csv")
mw <- moran.test(x, nb2listw(nb, style = "W"), randomisation = TRUE)
mb <- moran.test(x, nb2listw(nb, style = "B"), randomisation = TRUE)
write17(data.frame(style = c("W", "B"), I = c(mw$estimate[[1]], mb$estimate[[1]]), z = c(mw$statistic, mb$statistic)),
        "centroid_band_2000_global.csv")
cat("card:", card(nb), "\n")
