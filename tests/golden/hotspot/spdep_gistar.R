# spdep_gistar.R -- Getis-Ord Gi*, local Moran and global Moran goldens (spdep).
# Run from this folder:  Rscript spdep_gistar.R
# Reads  camden_fishnet_200m.csv (id, x, y = cell centre in BNG metres, count).
# Writes spdep_fishnet.csv  one row per cell, id order (see README.md for columns)
#        spdep_global.csv   moran.test on the band-300 weights, styles W and B
#        six_points.csv     the six-point Gi* check vector
# Every number is written with sprintf("%.17g").  The script stops if any of
# its own checks (plain-R formulas against spdep) fails.
suppressMessages(library(spdep))
options(warn = 2)                     # any warning is an error here

f17 <- function(v) if (is.numeric(v)) sprintf("%.17g", v) else as.character(v)
write17 <- function(df, file) {
  lines <- c(paste(names(df), collapse = ","),
             do.call(paste, c(lapply(df, f17), sep = ",")))
  writeLines(lines, file)
}
check <- function(what, a, b, tol = 1e-12) {
  d <- max(abs(a - b))
  if (!is.finite(d) || d > tol) stop(sprintf("%s: max |diff| = %g > %g", what, d, tol))
  cat(sprintf("ok  %-48s max |diff| = %.3g\n", what, d))
}

## ---------------------------------------------------------------- input
d <- read.csv("camden_fishnet_200m.csv")
stopifnot(identical(d$id, seq_len(nrow(d)) - 1L), !anyNA(d))
n <- nrow(d)
coords <- cbind(d$x, d$y)
x <- as.numeric(d$count)

## ---------------------------------------------------------------- weights
# dnearneigh: j is a neighbour of i (j != i) when 0 <= d_ij <= upper bound.
nb250 <- dnearneigh(coords, 0, 250)   # 4 rook neighbours (200 m); 282.8 m > 250
nb300 <- dnearneigh(coords, 0, 300)   # 8 queen neighbours (200 m and 282.8 m)
stopifnot(all(card(nb250) >= 2), all(card(nb250) <= 4),
          all(card(nb300) >= 3), all(card(nb300) <= 8))
nb250s <- include.self(nb250)
nb300s <- include.self(nb300)

lw250s_B <- nb2listw(nb250s, style = "B")
lw300s_B <- nb2listw(nb300s, style = "B")
lw300_B  <- nb2listw(nb300,  style = "B")
lw300_W  <- nb2listw(nb300,  style = "W")

## ---------------------------------------------------------------- Gi*
g250 <- as.numeric(localG(x, lw250s_B))
g300 <- as.numeric(localG(x, lw300s_B))
stopifnot(isTRUE(attr(localG(x, lw300s_B), "gstari")))
gp300 <- 2 * pnorm(-abs(g300))
gp300_bh <- p.adjust(gp300, "BH")

# Plain-R Gi* from the formula (divisor n for the variance):
#   xbar = sum(x)/n, S = sqrt(sum(x^2)/n - xbar^2)
#   z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i^2)/(n - 1)))
gistar_plain <- function(x, nbs) {            # nbs: neighbour lists, self included, w = 1
  n <- length(x); xbar <- sum(x) / n; S <- sqrt(sum(x^2) / n - xbar^2)
  vapply(seq_len(n), function(i) {
    j <- nbs[[i]]; W <- length(j); S1 <- length(j)
    (sum(x[j]) - xbar * W) / (S * sqrt((n * S1 - W^2) / (n - 1)))
  }, 0)
}
check("Gi* band 250 plain R vs localG", gistar_plain(x, nb250s), g250)
check("Gi* band 300 plain R vs localG", gistar_plain(x, nb300s), g300)
# p-value: the same as localG's own two-sided internals
gi_int <- attr(localG(x, lw300s_B, return_internals = TRUE), "internals")
check("Gi* p band 300 vs localG internals", gp300, gi_int[, 5], 0)
# BH by hand: (n / k) * p_(k), cumulative minimum from the top, capped at 1.
# Bit-exact only in p.adjust's order of operations, (n / k) * p; p * n / k
# differs by 1 ulp in some cells.
bh_plain <- function(p) {
  o <- order(p, decreasing = TRUE); m <- length(p)
  r <- pmin(1, cummin(m / (m:1) * p[o])); out <- numeric(m); out[o] <- r; out
}
check("BH plain R vs p.adjust", bh_plain(gp300), gp300_bh, 0)

## ---------------------------------------------------------------- local Moran
# Defaults of localmoran in this spdep version: conditional = TRUE,
# alternative = "two.sided", mlvar = TRUE, adjust.x = FALSE.
lmB <- localmoran(x, lw300_B)
lmW <- localmoran(x, lw300_W)
stopifnot(colnames(lmB)[5] == "Pr(z != E(Ii))")

# Plain-R local Moran (spdep defaults):
#   z = x - mean(x), m2 = sum(z^2)/n (mlvar = TRUE: the same divisor n in I_i)
#   I_i   = z_i / m2 * sum_j w_ij z_j
#   E_i   = -z_i^2 W_i / ((n - 1) m2)
#   Var_i = (z_i/m2)^2 * n/(n-2) * (W2_i - W_i^2/(n-1)) * (m2 - z_i^2/(n-1))
#   Z_i = (I_i - E_i)/sqrt(Var_i), p = 2 pnorm(-|Z_i|)
localmoran_plain <- function(x, lw) {
  n <- length(x); z <- x - mean(x); m2 <- sum(z^2) / n
  lz <- vapply(seq_len(n), function(i) sum(lw$weights[[i]] * z[lw$neighbours[[i]]]), 0)
  Wi <- vapply(lw$weights, sum, 0); W2 <- vapply(lw$weights, function(w) sum(w^2), 0)
  I <- z / m2 * lz
  E <- -z^2 * Wi / ((n - 1) * m2)
  V <- (z / m2)^2 * (n / (n - 2)) * (W2 - Wi^2 / (n - 1)) * (m2 - z^2 / (n - 1))
  Z <- (I - E) / sqrt(V)
  cbind(I, E, V, Z, 2 * pnorm(-abs(Z)))
}
pB <- localmoran_plain(x, lw300_B); pW <- localmoran_plain(x, lw300_W)
for (k in 1:5) {
  nm <- colnames(lmB)[k]
  check(paste("localmoran B", nm), pB[, k], unclass(lmB)[, k], 1e-12 * max(1, max(abs(pB[, k]))))
  check(paste("localmoran W", nm), pW[, k], unclass(lmW)[, k], 1e-12 * max(1, max(abs(pW[, k]))))
}

fish <- data.frame(
  id = d$id,
  gi_star_band250 = g250,
  gi_star_band300 = g300,
  gi_p_band300 = gp300,
  gi_p_bh_band300 = gp300_bh,
  lisa_i_band300 = lmB[, 1], lisa_z_band300 = lmB[, 4], lisa_p_band300 = lmB[, 5],
  lisa_i_w300 = lmW[, 1],    lisa_z_w300 = lmW[, 4],    lisa_p_w300 = lmW[, 5],
  lisa_e_band300 = lmB[, 2], lisa_var_band300 = lmB[, 3],
  lisa_e_w300 = lmW[, 2],    lisa_var_w300 = lmW[, 3],
  n_band250 = card(nb250), n_band300 = card(nb300))
write17(fish, "spdep_fishnet.csv")

## ---------------------------------------------------------------- global Moran
# moran.test defaults: randomisation = TRUE, alternative = "greater".
moran_plain <- function(x, lw, randomisation = TRUE) {
  n <- length(x); z <- x - mean(x)
  W <- listw2mat(lw); S0 <- sum(W); S1 <- 0.5 * sum((W + t(W))^2)
  S2 <- sum((rowSums(W) + colSums(W))^2)
  I <- n / S0 * sum(z * (W %*% z)) / sum(z^2)
  EI <- -1 / (n - 1)
  if (randomisation) {
    b2 <- n * sum(z^4) / sum(z^2)^2
    VI <- (n * ((n^2 - 3 * n + 3) * S1 - n * S2 + 3 * S0^2) -
           b2 * ((n^2 - n) * S1 - 2 * n * S2 + 6 * S0^2)) /
          ((n - 1) * (n - 2) * (n - 3) * S0^2) - EI^2
  } else {
    VI <- (n^2 * S1 - n * S2 + 3 * S0^2) / (S0^2 * (n^2 - 1)) - EI^2
  }
  Z <- (I - EI) / sqrt(VI)
  c(I, EI, VI, Z, pnorm(Z, lower.tail = FALSE), 2 * pnorm(-abs(Z)))
}
glob <- NULL
for (st in c("W", "B")) for (rnd in c(TRUE, FALSE)) {
  lw <- if (st == "W") lw300_W else lw300_B
  mt <- moran.test(x, lw, randomisation = rnd)
  sp <- c(mt$estimate[1:3], mt$statistic, mt$p.value,
          moran.test(x, lw, randomisation = rnd, alternative = "two.sided")$p.value)
  pl <- moran_plain(x, lw, rnd)
  check(sprintf("moran.test %s randomisation=%s", st, rnd), pl, sp,
        1e-12 * max(abs(sp)))
  glob <- rbind(glob, data.frame(weights = "band300", style = st,
    randomisation = rnd, I = sp[1], expectation = sp[2], variance = sp[3],
    z = sp[4], p = sp[5], p_two_sided = sp[6]))
}
write17(glob, "spdep_global.csv")

## ---------------------------------------------------------------- six points
six <- data.frame(x = c(10, 20, 40, 15, 30, 30), y = c(10, 10, 10, 20, 20, 30),
                  value = c(2, 3, 3.2, 5, 8, 7))
nb6 <- include.self(dnearneigh(cbind(six$x, six$y), 0, 15))  # d <= 15; (15,20)-(30,20) is exactly 15
six$gi_star <- as.numeric(localG(six$value, nb2listw(nb6, style = "B")))
check("six points localG vs expected (8 d.p.)", six$gi_star,
      c(-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331), 5e-9)
check("six points plain R vs localG", gistar_plain(six$value, nb6), six$gi_star)
write17(cbind(id = 0:5, six), "six_points.csv")

cat(sprintf("spdep %s, %s; n = %d cells, sum(count) = %g\n",
            packageVersion("spdep"), R.version.string, n, sum(x)))
