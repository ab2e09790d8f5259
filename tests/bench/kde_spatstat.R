# kde_spatstat.R: the spatstat side of the `kde` benchmark entry (run.sh).
#
#   Rscript kde_spatstat.R IN.csv OUT.f64 xmin,ymin,xmax,ymax SIGMA NX NY
#
# Reads the X,Y columns (metres) of IN.csv, builds a ppp on the rectangle
# owin(c(xmin,xmax), c(ymin,ymax)), and runs
#   density.ppp(X, sigma=SIGMA, kernel="quartic", edge=FALSE, dimyx=c(NY,NX))
# with spatstat's default algorithm (FFT convolution on the pixel grid).
# Writes the NY x NX values (points per square metre, pixel centres) to
# OUT.f64 as little-endian float64, north-up, row-major (the first value is
# the north-west pixel), the layout of a GeoTIFF with origin (xmin, ymax);
# prints one line of timings on stdout:
#   spatstat: read R s, density D s, write W s, points N, pixels NXxNY
suppressPackageStartupMessages({
  library(spatstat.geom)
  library(spatstat.explore)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 6)
  stop("usage: Rscript kde_spatstat.R IN.csv OUT.f64 xmin,ymin,xmax,ymax SIGMA NX NY")
csv <- args[1]
out <- args[2]
box <- as.numeric(strsplit(args[3], ",", fixed = TRUE)[[1]])
sigma <- as.numeric(args[4])
nx <- as.integer(args[5])
ny <- as.integer(args[6])
stopifnot(length(box) == 4, box[1] < box[3], box[2] < box[4], sigma > 0, nx > 0, ny > 0)

t0 <- proc.time()[["elapsed"]]
# Only X and Y are read: every other column is skipped ("NULL").
hdr <- names(read.csv(csv, nrows = 1, check.names = FALSE))
cls <- ifelse(hdr %in% c("X", "Y"), "numeric", "NULL")
if (sum(cls == "numeric") != 2) stop(csv, " has no X and Y columns")
d <- read.csv(csv, colClasses = cls, check.names = FALSE)
W <- owin(c(box[1], box[3]), c(box[2], box[4]))
X <- ppp(d$X, d$Y, window = W) # points outside W are dropped, with a warning
t1 <- proc.time()[["elapsed"]]

D <- density.ppp(X, sigma = sigma, kernel = "quartic", edge = FALSE, dimyx = c(ny, nx))
t2 <- proc.time()[["elapsed"]]

v <- D$v # ny x nx, row 1 is the southernmost row
if (!all(dim(v) == c(ny, nx))) stop("density.ppp returned ", paste(dim(v), collapse = " x "))
con <- file(out, "wb")
writeBin(as.vector(t(v[ny:1, , drop = FALSE])), con, size = 8, endian = "little")
close(con)
t3 <- proc.time()[["elapsed"]]

cat(sprintf("spatstat: read %.3f s, density %.3f s, write %.3f s, points %d, pixels %dx%d, xstep %.6f, ystep %.6f, xcol1 %.6f, yrow1 %.6f\n",
            t1 - t0, t2 - t1, t3 - t2, npoints(X), nx, ny, D$xstep, D$ystep, D$xcol[1], D$yrow[1]))
