# bandwidths.R -- bandwidth selectors on points.csv (unweighted).
# Run from this folder after make_points.R:  Rscript bandwidths.R   (writes bandwidths.csv)
suppressMessages(library(spatstat))
W <- owin(c(529000, 531000), c(182000, 183500))
p <- read.csv("points.csv")
X <- suppressWarnings(ppp(p$x, p$y, window = W))   # warns about the 10 duplicates

# ArcGIS "spatial Silverman" default search radius, from its published definition.
silverman_radius <- function(x, y) {
  d <- sqrt((x - mean(x))^2 + (y - mean(y))^2)       # distance to the mean centre
  SD <- sqrt(mean(d^2))                              # standard distance (divisor n)
  0.9 * min(SD, sqrt(1 / log(2)) * median(d)) * length(x)^(-0.2)
}
h4 <- silverman_radius(c(1000, -1000, 0, 0), c(0, 0, 1000, -1000))
stopifnot(abs(h4 - 682.0725) < 5e-5)

scott <- bw.scott(X); scott_iso <- bw.scott(X, isotropic = TRUE)
ppl <- bw.ppl(X)                       # defaults: ns = 16, srange from nndist and diameter
nnd <- nndist(X); srange <- c(min(nnd[nnd > 0]), diameter(W) / 2)
stopifnot(isTRUE(all.equal(range(attr(ppl, "h")), srange)))   # check: the grid bw.ppl used
dig <- bw.diggle(X)                    # defaults: Kest(correction="good") on nr = 512 r-values in [0, rmax]
dig_rmax <- rmax.rule("K", W, npoints(X) / area(W))   # the rmax bw.diggle used; sigma = r/2
stopifnot(isTRUE(all.equal(max(attr(dig, "h")) * 4, dig_rmax, tolerance = 0.01)))

res <- data.frame(
  name = c("bw.scott.x", "bw.scott.y", "bw.scott.iso", "bw.ppl", "bw.ppl.srange.lo",
           "bw.ppl.srange.hi", "bw.ppl.ns", "bw.diggle", "bw.diggle.rmax", "arcgis_silverman",
           "arcgis_silverman_4pts"),
  value = c(scott[1], scott[2], scott_iso, ppl, srange, length(attr(ppl, "h")), dig, dig_rmax,
            silverman_radius(p$x, p$y), h4))
stopifnot(!anyNA(res$value), all(res$value > 0))
writeLines(c("name,value", sprintf("%s,%.17g", res$name, res$value)), "bandwidths.csv")
print(res, digits = 10)
