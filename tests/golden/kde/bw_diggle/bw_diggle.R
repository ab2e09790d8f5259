# bw_diggle.R -- golden values for spatstat's bw.diggle on ../points.csv (x, y; w ignored).
# Run from this folder:  Rscript bw_diggle.R
# Writes K.csv, criterion.csv, result.csv, then re-implements the whole recipe
# (recipe.txt) in plain R from the formulas, using spatstat only to read X and W,
# and stops with an error unless it reproduces spatstat:
#   K and the criterion M to 1e-10 relative, the selected sigma exactly.
suppressMessages(library(spatstat))
stopifnot(packageVersion("spatstat.explore") == "3.0.6")
W <- owin(c(529000, 531000), c(182000, 183500))
p <- read.csv("../points.csv")
X <- suppressWarnings(ppp(p$x, p$y, window = W))   # warns about the 10 duplicates
f17 <- function(v) sprintf("%.17g", v)

## ---------------------------------------------------------------- 1. spatstat
b <- bw.diggle(X)                          # all defaults: correction="good", nr=512, warn=TRUE
sigma_ss <- as.numeric(b)
stopifnot(identical(sigma_ss, 48.801369863013697))
h_ss <- attr(b, "h")                       # candidate sigmas (= r/2)
M_ss <- attr(b, "cv")                      # criterion, as bw.diggle computed it
J_ss <- attr(b, "info")$J                  # J from the C routine digberJ
iopt_ss <- attr(b, "iopt")                 # 1-based index into h_ss

# The K function bw.diggle used: the same calls as in bw.diggle's body.
lambda_ss <- npoints(X) / area(W)
rmax_ss <- rmax.rule("K", W, lambda_ss)
r_ss <- seq(0, rmax_ss, length = 512)
Kfv <- Kest(X, r = r_ss, correction = "good")
yname <- fvnames(Kfv, ".y")
stopifnot(yname == "iso")                  # "good" resolves to Ripley's isotropic correction
K_ss <- Kfv[[yname]]
stopifnot(all(is.finite(K_ss)), identical(Kfv$r, r_ss))
nrmax_ss <- length(h_ss)
# Consistency: bw.diggle's criterion from this K and its J.
ok <- r_ss <= max(r_ss) / 2
pir2 <- pi * r_ss[ok]^2
M_chk <- (1 / lambda_ss - 2 * K_ss[ok]) / pir2 + J_ss / pir2^2
stopifnot(identical(M_chk, M_ss), identical(h_ss, r_ss[ok] / 2))

writeLines(c("i,r,K", sprintf("%d,%s,%s", seq_along(r_ss) - 1L, f17(r_ss), f17(K_ss))),
           "K.csv")
writeLines(c("i,h,sigma,K_h,J,M",
             sprintf("%d,%s,%s,%s,%s,%s", seq_len(nrmax_ss) - 1L, f17(r_ss[ok]), f17(h_ss),
                     f17(K_ss[ok]), f17(J_ss), f17(M_ss))),
           "criterion.csv")
res <- data.frame(
  name = c("sigma", "h", "iopt0", "n", "lambda", "rmax", "nr", "rstep", "nrmax", "K0",
           "M_min"),
  value = c(f17(sigma_ss), f17(2 * sigma_ss), iopt_ss - 1L, npoints(X), f17(lambda_ss),
            f17(rmax_ss), 512L, f17(rmax_ss / 511), nrmax_ss, f17(K_ss[1]),
            f17(M_ss[iopt_ss])))
writeLines(c("name,value", paste(res$name, res$value, sep = ",")), "result.csv")

## ------------------------------------------- 2. plain R re-implementation
## Only inputs: coordinates and the window rectangle.
x <- X$x; y <- X$y
x0 <- W$xrange[1]; x1 <- W$xrange[2]; y0 <- W$yrange[1]; y1 <- W$yrange[2]
n <- length(x)
wide <- x1 - x0; high <- y1 - y0
area <- wide * high
lambda <- n / area

# Step 1: r grid.
nr <- 512L
rmax <- min(min(wide, high) / 4, sqrt(1000 / (pi * lambda)))
rstep <- rmax / (nr - 1L)
r <- c(0, (1:(nr - 2L)) * rstep, rmax)

# Step 2: K, Ripley isotropic correction, rectangle (Krect algorithm).
ripley_weight <- function(xi, yi, d) {     # xi, yi shifted so the window is (0,wide)x(0,high)
  # d = 0 (duplicates): no dX < d, so every a* is 0 and w = 1 (4/3 at a "corner" point)
  dL <- xi; dR <- wide - xi; dD <- yi; dU <- high - yi
  corner <- (abs(dL) < 1e-12) + (abs(dR) < 1e-12) + (abs(dD) < 1e-12) + (abs(dU) < 1e-12) >= 2
  aL <- if (dL < d) acos(dL / d) else 0
  aR <- if (dR < d) acos(dR / d) else 0
  aD <- if (dD < d) acos(dD / d) else 0
  aU <- if (dU < d) acos(dU / d) else 0
  cL <- min(aL, atan2(dU, dL)) + min(aL, atan2(dD, dL))
  cR <- min(aR, atan2(dU, dR)) + min(aR, atan2(dD, dR))
  cU <- min(aU, atan2(dL, dU)) + min(aU, atan2(dR, dU))
  cD <- min(aD, atan2(dL, dD)) + min(aD, atan2(dR, dD))
  extang <- (cL + cR + cU + cD) / (2 * pi)
  if (corner) extang <- extang + 0.25
  min(1 / (1 - extang), 100)               # trimmed at spatstat.options("maxedgewt") = 100
}
xs <- x - x0; ys <- y - y0
bins <- numeric(nr)                        # bins[l+1] = weight sum of pairs with ceil(d/rstep) = l
for (i in 1:n) for (j in 1:n) {
  if (j == i) next                         # ordered pairs; duplicates (d = 0) DO count
  dx <- xs[i] - xs[j]; dy <- ys[j] - ys[i]
  d2 <- dx * dx + dy * dy
  if (d2 >= rmax * rmax) next
  d <- sqrt(d2)
  l <- ceiling(d / rstep)
  bins[l + 1] <- bins[l + 1] + ripley_weight(xs[i], ys[i], d)
}
K <- cumsum(bins) / (n * (n - 1) / area)

# Step 3: J(h) for h = r[i], i = 0..nrmax-1 (digberJ).
nrmax <- sum(r <= max(r) / 2)
dK <- diff(K)
J <- numeric(nrmax)
for (i in seq_len(nrmax - 1L)) {           # i = 1..nrmax-1 (0-based); J[0] = 0
  ri <- r[i + 1]
  s <- 0
  for (j in 0:(nr - 2L)) {
    yy <- r[j + 1] / (2 * ri)
    if (yy >= 1) break
    s <- s + (acos(yy) - yy * sqrt(1 - yy * yy)) * dK[j + 1]
  }
  J[i + 1] <- 2 * ri * ri * s
}

# Step 4: criterion and selection.
h <- r[1:nrmax]
M <- (1 / lambda - 2 * K[1:nrmax]) / (pi * h^2) + J / (pi * h^2)^2   # M[1] is NaN (0/0)
best <- NA_integer_
for (i in seq_len(nrmax)) if (!is.nan(M[i]) && (is.na(best) || M[i] < M[best])) best <- i
sigma <- h[best] / 2

## ------------------------------------------------------------------ 3. checks
relerr <- function(a, b) {                # NaN must match NaN; an exact 0 must match exactly
  stopifnot(identical(is.nan(a), is.nan(b)), identical(a == 0, b == 0))
  k <- !is.nan(b) & b != 0
  max(abs(a[k] - b[k]) / abs(b[k]))
}
stopifnot(identical(r, r_ss), identical(lambda, lambda_ss), identical(rmax, rmax_ss),
          nrmax == nrmax_ss, identical(is.nan(M), is.nan(M_ss)))
eK <- relerr(K, K_ss); eJ <- relerr(J, J_ss); eM <- relerr(M, M_ss)
cat(sprintf("rel. error  K %.3g   J %.3g   M %.3g\n", eK, eJ, eM))
if (eK > 1e-10) stop("K differs from spatstat")
if (eJ > 1e-10 || eM > 1e-10) stop("criterion (J or M) differs from spatstat")
if (!identical(sigma, sigma_ss) || best != iopt_ss) stop("selected sigma differs from spatstat")
srt <- sort(M_ss[is.finite(M_ss)])
cat(sprintf("sigma = %s (h = r[%d] = %s); M_min = %.17g, next-best M is %.3g relative higher\n",
            f17(sigma), best - 1L, f17(h[best]), srt[1], (srt[2] - srt[1]) / abs(srt[1])))
cat("OK: plain-R recipe reproduces spatstat's bw.diggle\n")
