# spdep_isa.R -- incremental spatial autocorrelation golden (spdep moran.test).
# Run from this folder:  Rscript spdep_isa.R
# Reads spdep_knn_idw.csv (jittered fishnet centres x, y and count; see
# spdep_knn_idw.R). The bands are ArcGIS's defaults: the first is the largest
# nearest-neighbour distance (every unit has a neighbour), the step the mean
# nearest-neighbour distance; 10 bands. For each: moran.test (randomisation)
# with binary weights (style B) and row-standardised (style W), no self.
# Writes spdep_isa.csv: band, I_W, z_W, var_W, I_B, z_B, var_B, card_min, card_max.
suppressMessages(library(spdep))
options(warn = 2)
f17 <- function(v) sprintf("%.17g", v)
d <- read.csv("spdep_knn_idw.csv")
xy <- cbind(d$x, d$y)
x <- as.numeric(d$count)
nn <- knearneigh(xy, k = 1)$nn[, 1]
dnn <- sqrt((d$x[nn] - d$x)^2 + (d$y[nn] - d$y)^2)
start <- max(dnn) * (1 + 1e-12)
inc <- mean(dnn)
rows <- lapply(0:9, function(b) {
  band <- start + b * inc
  nb <- dnearneigh(xy, 0, band)
  stopifnot(all(card(nb) > 0))
  mw <- moran.test(x, nb2listw(nb, style = "W"), randomisation = TRUE)
  mb <- moran.test(x, nb2listw(nb, style = "B"), randomisation = TRUE)
  c(band, mw$estimate[1], mw$statistic, mw$estimate[3], mb$estimate[1], mb$statistic, mb$estimate[3],
    min(card(nb)), max(card(nb)))
})
m <- do.call(rbind, rows)
colnames(m) <- c("band", "I_W", "z_W", "var_W", "I_B", "z_B", "var_B", "card_min", "card_max")
writeLines(c(paste(colnames(m), collapse = ","), apply(m, 1, function(r) paste(f17(r), collapse = ","))), "spdep_isa.csv")
cat(sprintf("start %.3f m, increment %.3f m\n", start, inc))
print(m[, c("band", "z_W", "z_B")])
