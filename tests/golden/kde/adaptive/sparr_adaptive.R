# sparr_adaptive.R -- golden values for the adaptive (variable-bandwidth) Gaussian
# kernel density of sparr::bivariate.density(adapt=TRUE), on the 150 points of
# ../points.csv (weights ignored: unweighted) in the square window
# W = [529000, 531000] x [181750, 183750] (2000 m x 2000 m), 80 x 80 pixels of 25 m.
# Run from this folder:  Rscript sparr_adaptive.R      (about 5 s)
#
# Writes
#   sparr_adaptive.csv          one row per pixel centre (x fastest, then y):
#                               x, y, z, z_int, z_edge, z_edge_int, and the
#                               intermediate images pilot, pilot_edge, h_pix_edge, q_edge
#   sparr_adaptive_h.csv        one row per point, in the order of points.csv:
#                               x, y, i, j (0-based pixel of the point), pilot, h,
#                               pilot_edge, h_edge
#   sparr_adaptive_scalars.csv  name,value: G, gamma, integrals used for normalising
#
# The formulas are in sparr_adaptive.txt.  After writing, the script recomputes
# everything from those formulas in plain R (direct pixel convolution for the
# pilot instead of spatstat's FFT, explicit sums for the estimate) and stops if
# anything differs from sparr by more than 1e-12 relative.
suppressMessages(library(sparr))   # also loads spatstat
stopifnot(packageVersion("sparr") == "2.2.17")

W <- owin(c(529000, 531000), c(181750, 183750))
p <- read.csv("../points.csv")
X <- suppressWarnings(ppp(p$x, p$y, window = W))   # warns about the 10 duplicated points
stopifnot(npoints(X) == 150, all(inside.owin(p$x, p$y, W)))
H0 <- 150; HP <- 150; RES <- 80; TRIM <- 5

# davies.baddeley = NULL is sparr's default; it is given explicitly so the exact
# branch (sum over points, no bandwidth binning) is taken; verbose=FALSE only
# silences the progress bar.
run <- function(edge, intensity)
  bivariate.density(X, h0 = H0, hp = HP, adapt = TRUE, edge = edge,
                    resolution = RES, davies.baddeley = NULL,
                    intensity = intensity, verbose = FALSE)
b    <- run("none",    FALSE)
bi   <- run("none",    TRUE)
be   <- run("uniform", FALSE)
bei  <- run("uniform", TRUE)

xc <- 529012.5 + 25 * (0:79); yc <- 181762.5 + 25 * (0:79)
for (r in list(b, bi, be, bei))
  stopifnot(identical(r$z$xcol, xc), identical(r$z$yrow, yc),
            r$z$xstep == 25, r$z$ystep == 25, !anyNA(r$z$v), all(r$z$v > 0))
stopifnot(b$gamma == b$geometric, be$gamma == be$geometric)   # gamma.scale="geometric": gamma = G

# sparr's normalised pilot image, rebuilt exactly as bivariate.density does it
pilot_img <- function(edge) {
  pd <- density(X, sigma = HP, edge = edge, diggle = FALSE, dimyx = c(RES, RES),
                positive = TRUE)
  list(f = pd / integral(pd), int = integral(pd))
}
P  <- pilot_img(FALSE); PE <- pilot_img(TRUE)
pil_pts  <- safelookup(P$f,  X, warn = FALSE)
pile_pts <- safelookup(PE$f, X, warn = FALSE)
stopifnot(identical(H0 * pmin(pil_pts ^ -0.5, TRIM * b$gamma) / b$gamma, b$h),      # bit-identical
          identical(H0 * pmin(pile_pts ^ -0.5, TRIM * be$gamma) / be$gamma, be$h))

f17 <- function(v) sprintf("%.17g", v)
img <- function(im) as.vector(t(im$v))       # im$v is [row = y, col = x]; x fastest
g <- expand.grid(x = xc, y = yc)
out <- data.frame(x = f17(g$x), y = f17(g$y),
                  z = f17(img(b$z)), z_int = f17(img(bi$z)),
                  z_edge = f17(img(be$z)), z_edge_int = f17(img(bei$z)),
                  pilot = f17(img(P$f)), pilot_edge = f17(img(PE$f)),
                  h_pix_edge = f17(img(be$him)), q_edge = f17(img(be$q)))
write.csv(out, "sparr_adaptive.csv", row.names = FALSE, quote = FALSE)

ii <- round((p$x - xc[1]) / 25); jj <- round((p$y - yc[1]) / 25)   # 0-based pixel
stopifnot(all(ii >= 0 & ii < RES & jj >= 0 & jj < RES))
hout <- data.frame(x = f17(p$x), y = f17(p$y), i = ii, j = jj,
                   pilot = f17(pil_pts), h = f17(b$h),
                   pilot_edge = f17(pile_pts), h_edge = f17(be$h))
write.csv(hout, "sparr_adaptive_h.csv", row.names = FALSE, quote = FALSE)

rawint  <- sum(bi$z$v)  * 625      # integral(z_int): what z = z_int / rawint uses
rawinte <- sum(bei$z$v) * 625
sc <- c(h0 = H0, hp = HP, trim = TRIM, resolution = RES, n = 150,
        G = b$geometric, gamma = b$gamma,
        pilot_raw_integral = P$int, z_int_integral = rawint,
        h_min = min(b$h), h_max = max(b$h), n_trimmed = sum(pil_pts ^ -0.5 > TRIM * b$geometric),
        G_edge = be$geometric, gamma_edge = be$gamma,
        pilot_raw_integral_edge = PE$int, z_edge_int_integral = rawinte,
        h_edge_min = min(be$h), h_edge_max = max(be$h),
        n_trimmed_edge = sum(pile_pts ^ -0.5 > TRIM * be$geometric),
        n_trimmed_pixels_edge = sum(PE$f$v ^ -0.5 > TRIM * be$geometric))
write.csv(data.frame(name = names(sc), value = f17(sc)), "sparr_adaptive_scalars.csv",
          row.names = FALSE, quote = FALSE)

## ---- independent recomputation from the formulas in sparr_adaptive.txt ----
relmax <- function(a, b) max(abs(a / b - 1))
d  <- -RES:(RES - 1)                       # kernel offsets in pixels, as spatstat
kx <- dnorm(25 * d, sd = HP)               # 1-D discretised Gaussian
S  <- sum(kx)^2                            # = sum of the 2-D kernel table
K1 <- function(off) kx[off + RES + 1]
# raw pilot (points per m^2) at pixel (row j, col i): points snapped to pixels
rawp <- matrix(0, RES, RES)
for (k in 1:150) rawp <- rawp + outer(K1(0:79 - jj[k]), K1(0:79 - ii[k]))
rawp <- rawp / S / 625
ex  <- sapply(0:79, function(c) sum(K1(c - 0:79)))
edg <- outer(ex, ex) / S                   # spatstat's edge factor image (FFT of the mask)
chk <- function(rawpil) {
  f  <- rawpil / (sum(rawpil) * 625)
  fi <- f[cbind(jj + 1, ii + 1)]
  G  <- exp(mean(log(fi ^ -0.5)))
  h  <- H0 * pmin(fi ^ -0.5, TRIM * G) / G
  raw <- sapply(seq_len(nrow(g)), function(k)
    sum(1 / (2 * pi * h * h) * exp(-0.5 * ((p$x - g$x[k])^2 + (p$y - g$y[k])^2) / (h * h))))
  list(f = f, fi = fi, G = G, h = h, raw = raw)
}
A <- chk(rawp)
e <- c(G = A$G / b$gamma - 1, h = relmax(A$h, b$h), pilot = relmax(as.vector(t(A$f)), img(P$f)),
       z_int = relmax(A$raw, img(bi$z)), z = relmax(A$raw / (sum(A$raw) * 625), img(b$z)))
B <- chk(rawp / edg)
hpix <- H0 * pmin(as.vector(t(B$f)) ^ -0.5, TRIM * B$G) / B$G
q <- sapply(seq_len(nrow(g)), function(k)
  sum(1 / (2 * pi * hpix[k]^2) * exp(-0.5 * ((g$x - g$x[k])^2 + (g$y - g$y[k])^2) / hpix[k]^2)) * 625)
ze <- B$raw / q
e <- c(e, G_edge = B$G / be$gamma - 1, h_edge = relmax(B$h, be$h),
       h_pix_edge = relmax(hpix, img(be$him)), q_edge = relmax(q, img(be$q)),
       z_edge_int = relmax(ze, img(bei$z)), z_edge = relmax(ze / (sum(ze) * 625), img(be$z)))
print(signif(e, 3))
stopifnot(all(abs(e) < 1e-12))
cat("G =", f17(b$geometric), " gamma =", f17(b$gamma), " h in [", f17(min(b$h)), ",", f17(max(b$h)), "]\n")
cat("G_edge =", f17(be$geometric), " h_edge in [", f17(min(be$h)), ",", f17(max(be$h)), "]\n")
cat("integral z =", sum(b$z$v) * 625, " integral z_int =", rawint, " integral z_edge_int =", rawinte, "\n")
cat("OK: 6400 pixel rows, no NA\n")
