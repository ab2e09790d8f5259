# spdep_spacetime.R -- space-time Gi* golden (spdep localG on explicit space-time neighbour lists).
# Run from this folder:  Rscript spdep_spacetime.R
# Reads  ../../../data/wards/camden_wards_2024.gpkg  (layer "wards", EPSG:27700)
#        camden_ward_month_counts.csv                (area_id = WD24CD, step = YYYY-MM, count; 20 x 36)
# Writes spdep_spacetime.csv: area_id, step, count, gi_z_k0, gi_z_k1, gi_z_k2, gi_z_step, gi_z_nbhd_k1 -- the Gi* z of every
#        ward-month bin whose neighbours are the bins of the ward and its queen neighbours (poly2nb)
#        in the same month and the k months before (fewer in the first k months), binary weights,
#        the bin itself included (include.self), localG over all 720 bins (the whole cube as the
#        global window); gi_z_step: each month alone (global window one step, no lag); gi_z_nbhd_k1:
#        lag 1 with the global window the two months t-1, t. Every number is written with sprintf("%.17g").
suppressMessages({ library(sf); library(spdep) })
options(warn = 2)

w <- st_read("../../../data/wards/camden_wards_2024.gpkg", layer = "wards", quiet = TRUE)
ids <- w$WD24CD
cnt <- read.csv("camden_ward_month_counts.csv", colClasses = c("character", "character", "numeric"))
steps <- sort(unique(cnt$step))
L <- length(ids); T <- length(steps)
stopifnot(L == 20L, T == 36L, nrow(cnt) == L * T)
# bins location-major, wards in the GeoPackage's order: bin (l, t) is (l - 1) * T + t
cnt <- cnt[order(match(cnt$area_id, ids), cnt$step), ]
stopifnot(identical(cnt$area_id, rep(ids, each = T)), identical(cnt$step, rep(steps, L)))
x <- cnt$count

nbq <- poly2nb(w, queen = TRUE)
st_nb <- function(k) {
  nb <- vector("list", L * T)
  for (l in seq_len(L)) for (t in seq_len(T)) {
    js <- c(l, nbq[[l]][nbq[[l]] > 0])
    ss <- max(1, t - k):t
    b <- as.integer(outer(ss, (js - 1) * T, "+"))
    me <- (l - 1) * T + t
    b <- sort(setdiff(b, me))                      # include.self() adds the bin itself
    nb[[me]] <- if (length(b)) b else 0L
  }
  class(nb) <- "nb"
  attr(nb, "region.id") <- as.character(seq_len(L * T))
  include.self(nb)
}
z <- sapply(0:2, function(k) {
  g <- localG(x, nb2listw(st_nb(k), style = "B"))
  stopifnot(isTRUE(attr(g, "gstari")))
  as.numeric(g)
})
# the other global windows: each step alone (localG per month on the wards' queen lists), and the
# neighbourhood's steps (k = 1: localG over months t-1 and t only, the z of month t)
z_step <- numeric(L * T); z_nbhd <- numeric(L * T)
lw1 <- nb2listw(include.self(nbq), style = "B")
for (t in seq_len(T)) {
  b <- (seq_len(L) - 1) * T + t
  z_step[b] <- as.numeric(localG(x[b], lw1))
  ss <- max(1, t - 1):t; S <- length(ss)
  sub <- as.integer(outer(ss, (seq_len(L) - 1) * T, "+"))     # window bins, location-major
  nb <- vector("list", L * S)
  for (l in seq_len(L)) for (si in seq_len(S)) {
    js <- c(l, nbq[[l]][nbq[[l]] > 0])
    me <- (l - 1) * S + si
    nb[[me]] <- sort(setdiff(as.integer(outer(seq_len(si), (js - 1) * S, "+")), me))
    if (!length(nb[[me]])) nb[[me]] <- 0L
  }
  class(nb) <- "nb"; attr(nb, "region.id") <- as.character(seq_len(L * S))
  g <- as.numeric(localG(x[sub], nb2listw(include.self(nb), style = "B")))
  z_nbhd[b] <- g[(seq_len(L) - 1) * S + S]
}
out <- data.frame(area_id = cnt$area_id, step = cnt$step, count = x, gi_z_k0 = z[, 1], gi_z_k1 = z[, 2], gi_z_k2 = z[, 3],
                  gi_z_step = z_step, gi_z_nbhd_k1 = z_nbhd)
f17 <- function(v) if (is.numeric(v)) sprintf("%.17g", v) else as.character(v)
writeLines(c(paste(names(out), collapse = ","), do.call(paste, c(lapply(out, f17), sep = ","))), "spdep_spacetime.csv")
cat(sprintf("spdep %s: %d bins, k = 0..2, z range %.3f .. %.3f\n", packageVersion("spdep"), nrow(out), min(z), max(z)))
