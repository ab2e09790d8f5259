# spdep_knn_idw.R -- Gi*, local Moran and global Moran goldens (spdep) for
# k-nearest-neighbour and inverse-distance weights.
# Run from this folder:  Rscript spdep_knn_idw.R
# Reads  camden_fishnet_200m.csv (id, x, y = cell centre in BNG metres, count)
# and moves every centre by a seeded random offset (mm) of up to +-50 m so that
# nearest-neighbour distances have no ties (the offset coordinates are written
# out; the C test reads them, not the formula).
# Writes spdep_knn_idw.csv   id, x, y, count, then
#   gi_knn6       localG, knearneigh(k = 6) + include.self, style B   (Gi*)
#   lisa_knn6     localmoran Ii, knearneigh(k = 6), style B
#   lisa_z_knn6   its Z.Ii (conditional moments)
#   gi_idw300     localG, dnearneigh(0, 300) + include.self, glist 1/d (self 1), style B (Gi*)
#   gi_idw2_300   the same with 1/d^2 (self 1)
#   lisa_idw300   localmoran Ii with 1/d weights
# and spdep_knn_idw_global.csv  moran.test (randomisation) on knn6 and idw300, style B.
# Every number is written with sprintf("%.17g").
suppressMessages(library(spdep))
options(warn = 2)
f17 <- function(v) if (is.numeric(v)) sprintf("%.17g", v) else as.character(v)
write17 <- function(df, file) {
  lines <- c(paste(names(df), collapse = ","),
             do.call(paste, c(lapply(df, f17), sep = ",")))
  writeLines(lines, file)
}
d <- read.csv("camden_fishnet_200m.csv")
stopifnot(identical(d$id, seq_len(nrow(d)) - 1L))
set.seed(2026)
d$x <- d$x + round(runif(nrow(d), -50, 50), 3)
d$y <- d$y + round(runif(nrow(d), -50, 50), 3)
coords <- cbind(d$x, d$y)
x <- as.numeric(d$count)

knn <- knn2nb(knearneigh(coords, k = 6))
# no ties at the 6th/7th neighbour, so the lists do not depend on tie-breaking
kd <- knearneigh(coords, k = 7)
dd <- sapply(seq_len(nrow(d)), function(i) {
  j <- kd$nn[i, ]; sqrt((d$x[j] - d$x[i])^2 + (d$y[j] - d$y[i])^2) })
stopifnot(all(dd[7, ] - dd[6, ] > 1e-6))
lw_knn_s <- nb2listw(include.self(knn), style = "B")
lw_knn   <- nb2listw(knn, style = "B")

nb300 <- dnearneigh(coords, 0, 300)
stopifnot(all(card(nb300) > 0))
dl <- nbdists(nb300, coords)
lw_idw  <- nb2listw(nb300, glist = lapply(dl, function(v) 1 / v), style = "B")
# Gi*: each cell its own neighbour with weight 1 (as ArcGIS), others 1/d or 1/d^2
nb300s <- include.self(nb300)
dls <- nbdists(nb300s, coords)
lw_idw_s  <- nb2listw(nb300s, glist = lapply(dls, function(v) ifelse(v > 0, 1 / v, 1)), style = "B")
lw_idw2_s <- nb2listw(nb300s, glist = lapply(dls, function(v) ifelse(v > 0, 1 / v^2, 1)), style = "B")

lm_knn <- localmoran(x, lw_knn)
lm_idw <- localmoran(x, lw_idw)
out <- data.frame(id = d$id, x = d$x, y = d$y, count = d$count,
                  gi_knn6 = as.numeric(localG(x, lw_knn_s)),
                  lisa_knn6 = as.numeric(lm_knn[, "Ii"]),
                  lisa_z_knn6 = as.numeric(lm_knn[, "Z.Ii"]),
                  gi_idw300 = as.numeric(localG(x, lw_idw_s)),
                  gi_idw2_300 = as.numeric(localG(x, lw_idw2_s)),
                  lisa_idw300 = as.numeric(lm_idw[, "Ii"]))
write17(out, "spdep_knn_idw.csv")
mk <- moran.test(x, lw_knn, randomisation = TRUE)
mi <- moran.test(x, lw_idw, randomisation = TRUE)
g <- data.frame(weights = c("knn6", "idw300"),
                I = c(mk$estimate[1], mi$estimate[1]),
                expectation = c(mk$estimate[2], mi$estimate[2]),
                variance = c(mk$estimate[3], mi$estimate[3]))
write17(g, "spdep_knn_idw_global.csv")
cat("wrote spdep_knn_idw.csv and spdep_knn_idw_global.csv\n")
