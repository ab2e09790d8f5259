# make_points.R -- deterministic test pattern for the KDE golden values.
# Run from this folder:  Rscript make_points.R   (writes points.csv)
# British National Grid metres; window x in [529000, 531000], y in [182000, 183500].
set.seed(20261121)
xr <- c(529000, 531000); yr <- c(182000, 183500)

# Gaussian cluster, clipped to the window by rejection (draws outside are discarded).
cluster <- function(n, cx, cy, sd) {
  x <- y <- numeric(0)
  while (length(x) < n) {
    px <- rnorm(4 * n, cx, sd); py <- rnorm(4 * n, cy, sd)
    ok <- px >= xr[1] & px <= xr[2] & py >= yr[1] & py <= yr[2]
    x <- c(x, px[ok]); y <- c(y, py[ok])
  }
  data.frame(x = x[1:n], y = y[1:n])
}
pts <- rbind(cluster(40, 529500, 182700,  60),   # tight, well inside
             cluster(35, 530400, 183150, 100),   # near the top edge
             cluster(25, 530850, 182200, 150),   # in the bottom-right corner
             data.frame(x = runif(40, xr[1], xr[2]), y = runif(40, yr[1], yr[2])))
dup <- sort(sample(nrow(pts), 10))                # 10 exact duplicates of earlier points
pts <- rbind(pts, pts[dup, ])
# Round to 1 mm and go through the printed text, so R and C hold identical doubles.
pts$x <- as.numeric(sprintf("%.3f", pts$x))
pts$y <- as.numeric(sprintf("%.3f", pts$y))
pts$w <- 1L
heavy <- sort(sample(nrow(pts), 20))              # 20 points get weight 2 or 3
pts$w[heavy] <- sample(c(2L, 3L), 20, replace = TRUE)

stopifnot(nrow(pts) == 150, !anyNA(pts),
          all(pts$x >= xr[1] & pts$x <= xr[2] & pts$y >= yr[1] & pts$y <= yr[2]),
          sum(duplicated(pts[, c("x", "y")])) >= 10, sum(pts$w != 1) == 20)
writeLines(c("x,y,w", sprintf("%.3f,%.3f,%d", pts$x, pts$y, pts$w)), "points.csv")
cat("duplicated rows (1-based, copied to rows 141..150):", dup, "\n")
cat("weighted rows:", heavy, "\n")
