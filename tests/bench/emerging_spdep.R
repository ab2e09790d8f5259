# emerging_spdep.R: the R side of the `emerging` benchmark entry (run.sh).
#
#   Rscript emerging_spdep.R CELLS.csv BINS.csv OUT.csv XMIN,YMIN CELL BAND
#
# What an analyst would do in R for an emerging hot spot analysis of a
# space-time cube, with spdep and base R only (no Kendall, no data.table):
#
#   CELLS.csv  safemap emerging --grid fishnet -o X.csv: one row per location
#              (unit_id, row, col; the other columns are skipped); each cell
#              is put at its centre (XMIN + (col + 0.5) CELL, YMIN + (row + 0.5) CELL)
#   BINS.csv   its X_bins.csv: location (= unit_id), step (a label such as
#              2022-03), count; the other columns are skipped
#
#   nb <- dnearneigh(coords, 0, BAND)   # use_kd_tree = TRUE (default): dbscan::frNN
#   nb <- include.self(nb)               # Gi*: each cell its own neighbour
#   lw <- nb2listw(nb, style = "B")      # binary weights
#   for each step t:  z[, t] <- localG(count[, t], lw)   # Gi* per time slice
#   Mann-Kendall per location on its z series (docs/methods.md §1.5, as safemap):
#     S = sum_{i<j} sign(z_j - z_i),
#     Var = [n(n-1)(2n+5) - sum_ties t(t-1)(2t+5)] / 18,
#     Z = (S - 1)/sqrt(Var) if S > 0, (S + 1)/sqrt(Var) if S < 0, else 0,
#     p = 2 (1 - Phi(|Z|)); non-finite z are dropped (fewer than 3 left: Z 0, p 1)
#   BH false discovery rate (p.adjust "BH"): over every bin for Gi*, over the
#   locations for the trends; per location the number of steps that are
#   significant hot / cold spots (BH-adjusted p <= 0.05) as a minimal
#   classification.
#
# The Mann-Kendall test is vectorised over locations: one pass over the
# n(n-1)/2 pairs of steps (630 for 36 steps) adds sign(z_j - z_i) for every
# location at once, and counts for each value how many values of its row
# equal it (c); a tie group of size t has t members with c = t, so
# sum_ties t(t-1)(2t+5) = sum over the values of (c-1)(2c+5).
#
# Writes, with write.csv (15 significant digits), OUT.csv (unit_id,
# neighbours = card - 1 (self not counted), mk_s, mk_var, mk_z, mk_p,
# mk_p_bh, hot_steps, cold_steps) and OUT_bins.csv (location, step, z: the
# per-slice Gi* z of every bin; its count is the input's, and p and the
# BH-adjusted p only feed hot_steps and cold_steps),
# and prints one line of timings on stdout:
#   R: read R s, dnearneigh D s, include.self+nb2listw L s, localG G s (T slices), mann-kendall M s, fdr F s, write W s, ...
suppressPackageStartupMessages(library(spdep))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 6)
  stop("usage: Rscript emerging_spdep.R CELLS.csv BINS.csv OUT.csv XMIN,YMIN CELL BAND")
cells_csv <- args[1]
bins_csv <- args[2]
out <- args[3]
origin <- as.numeric(strsplit(args[4], ",", fixed = TRUE)[[1]])
cell <- as.numeric(args[5])
band <- as.numeric(args[6])
stopifnot(length(origin) == 2, cell > 0, band > 0)
out_bins <- sub("\\.csv$", "_bins.csv", out, ignore.case = TRUE)
if (out_bins == out) out_bins <- paste0(out, "_bins.csv")

only <- function(path, keep, classes) {
  hdr <- names(read.csv(path, nrows = 1, check.names = FALSE))
  if (!all(keep %in% hdr)) stop(path, " lacks one of ", paste(keep, collapse = ", "))
  cls <- rep("NULL", length(hdr))
  cls[match(keep, hdr)] <- classes
  read.csv(path, colClasses = cls, check.names = FALSE)
}

t0 <- proc.time()[["elapsed"]]
d <- only(cells_csv, c("unit_id", "row", "col"), c("numeric", "numeric", "numeric"))
b <- only(bins_csv, c("location", "step", "count"), c("numeric", "character", "numeric"))
coords <- cbind(origin[1] + (d$col + 0.5) * cell, origin[2] + (d$row + 0.5) * cell)
steps <- sort(unique(b$step)) # labels sort in time order (2022-03, ...)
n <- nrow(d)
nt <- length(steps)
li <- match(b$location, d$unit_id)
si <- match(b$step, steps)
if (anyNA(li)) stop(bins_csv, " has locations that are not in ", cells_csv)
x <- matrix(NA_real_, n, nt) # counts, location x step
x[cbind(li, si)] <- b$count
if (anyNA(x)) stop("the cube is not complete: ", sum(is.na(x)), " bins missing")
t1 <- proc.time()[["elapsed"]]

kd <- requireNamespace("dbscan", quietly = TRUE)
nb <- dnearneigh(coords, 0, band)
t2 <- proc.time()[["elapsed"]]
nb <- include.self(nb)
lw <- nb2listw(nb, style = "B")
t3 <- proc.time()[["elapsed"]]

z <- matrix(NA_real_, n, nt)
for (t in seq_len(nt)) z[, t] <- as.numeric(localG(x[, t], lw))
t4 <- proc.time()[["elapsed"]]

# Mann-Kendall per location (rows of z), vectorised over the locations
fin <- is.finite(z)
allfin <- all(fin)
S <- numeric(n)
cnt <- matrix(1, n, nt) # values of the row equal to this one, itself included
for (i in seq_len(nt - 1)) {
  zi <- z[, i]
  for (j in (i + 1):nt) {
    zj <- z[, j]
    s <- sign(zj - zi)
    eq <- zj == zi
    if (!allfin) { # pairs with a non-finite value do not count
      both <- fin[, i] & fin[, j]
      s[!both] <- 0
      eq <- both & eq # FALSE & NA is FALSE
    }
    S <- S + s
    cnt[, i] <- cnt[, i] + eq
    cnt[, j] <- cnt[, j] + eq
  }
}
m <- rowSums(fin)
ties <- rowSums(ifelse(fin, (cnt - 1) * (2 * cnt + 5), 0))
V <- (m * (m - 1) * (2 * m + 5) - ties) / 18
ok <- m >= 3 & V > 0
S[m < 3] <- 0
Z <- numeric(n)
Z[ok] <- ifelse(S[ok] > 0, (S[ok] - 1) / sqrt(V[ok]), ifelse(S[ok] < 0, (S[ok] + 1) / sqrt(V[ok]), 0))
P <- 2 * pnorm(-abs(Z))
t5 <- proc.time()[["elapsed"]]

pz <- 2 * pnorm(-abs(z))
pz_bh <- matrix(p.adjust(as.vector(pz), "BH"), n, nt)
P_bh <- p.adjust(P, "BH")
sig <- !is.na(pz_bh) & pz_bh <= 0.05
hot <- rowSums(sig & z > 0)
cold <- rowSums(sig & z < 0)
t6 <- proc.time()[["elapsed"]]

# write.csv (15 significant digits, as safemap's %.15g; quoted labels) is
# faster here than sprintf + writeLines with 17 digits
write.csv(data.frame(unit_id = d$unit_id, neighbours = card(nb) - 1L, mk_s = S, mk_var = V, mk_z = Z, mk_p = P,
                     mk_p_bh = P_bh, hot_steps = hot, cold_steps = cold), out, row.names = FALSE)
# bins location-major, steps in order, as safemap writes them
o <- as.vector(t(matrix(seq_len(n * nt), n, nt))) # (loc 1, step 1..nt), (loc 2, ...)
write.csv(data.frame(location = rep(d$unit_id, each = nt), step = rep(steps, times = n), z = z[o]),
          out_bins, row.names = FALSE)
t7 <- proc.time()[["elapsed"]]

cat(sprintf("R: read %.3f s, dnearneigh %.3f s, include.self+nb2listw %.3f s, localG %.3f s (%d slices), mann-kendall %.3f s, fdr %.3f s, write %.3f s, locations %d, steps %d, links %.0f, kd_tree %s, spdep %s, dbscan %s\n",
            t1 - t0, t2 - t1, t3 - t2, t4 - t3, nt, t5 - t4, t6 - t5, t7 - t6, n, nt, sum(as.numeric(card(nb))),
            if (kd) "dbscan::frNN" else "spdep C (dbscan not installed)",
            format(packageVersion("spdep")), if (kd) format(packageVersion("dbscan")) else "-"))
