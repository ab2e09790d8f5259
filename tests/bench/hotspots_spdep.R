# hotspots_spdep.R: the spdep side of the `hotspots` benchmark entry (run.sh).
#
#   Rscript hotspots_spdep.R CELLS.csv OUT.csv XMIN,YMIN CELL BAND NSIM[,NSIM...]
#
# Reads the cells CSV written by `safemap hotspots --grid fishnet` (columns
# unit_id, row, col, count; the others are skipped), puts each cell at its
# centre (XMIN + (col + 0.5) CELL, YMIN + (row + 0.5) CELL), and computes
# Getis-Ord Gi* with spdep on the same cells and weights:
#
#   nb <- dnearneigh(coords, 0, BAND)   # use_kd_tree = TRUE (default): dbscan::frNN
#   nb <- include.self(nb)               # Gi*: each cell its own neighbour
#   lw <- nb2listw(nb, style = "B")      # binary weights
#   NSIM = 0:  localG(count, lw)                               (analytic z)
#   NSIM > 0:  localG_perm(count, lw, nsim = NSIM, iseed = 1)  (+ localG for the analytic z)
#
# spdep 1.2-7's localG_perm returns the *permutation* z, (G - E_sim) / sd_sim,
# not the analytic z, so the analytic z comes from a separate localG call,
# timed on its own ("localG") and not counted in the statistic.
#
# With a list of NSIM (e.g. 9,99: to extrapolate the time to more
# permutations), localG_perm runs once for each, in that order, and the last
# one is written; each run prints a line "spdep: localG_perm nsim N T s".
#
# Writes OUT.csv: unit_id, neighbours (card - 1: self not counted), z (the
# analytic localG z), and with NSIM > 0: z_perm, p_sim ("Pr(z != E(G*i)) Sim",
# the rank-based two-sided p), p_folded ("Pr(folded) Sim"). Numbers with 17
# significant digits. Prints one line of timings on stdout:
#   spdep: read R s, dnearneigh D s, include.self+nb2listw L s, statistic S s, localG A s, write W s, cells N, ...
# (statistic: the last localG_perm, or localG when NSIM is 0; localG: the
# extra analytic call after localG_perm, 0 when NSIM is 0).
suppressPackageStartupMessages(library(spdep))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 6)
  stop("usage: Rscript hotspots_spdep.R CELLS.csv OUT.csv XMIN,YMIN CELL BAND NSIM[,NSIM...]")
cells_csv <- args[1]
out <- args[2]
origin <- as.numeric(strsplit(args[3], ",", fixed = TRUE)[[1]])
cell <- as.numeric(args[4])
band <- as.numeric(args[5])
nsims <- as.integer(strsplit(args[6], ",", fixed = TRUE)[[1]])
stopifnot(length(origin) == 2, cell > 0, band > 0, length(nsims) >= 1, all(!is.na(nsims)), all(nsims >= 0),
          length(nsims) == 1 || all(nsims > 0))
nsim <- nsims[length(nsims)]

t0 <- proc.time()[["elapsed"]]
hdr <- names(read.csv(cells_csv, nrows = 1, check.names = FALSE))
keep <- c("unit_id", "row", "col", "count")
if (!all(keep %in% hdr)) stop(cells_csv, " lacks one of ", paste(keep, collapse = ", "))
cls <- ifelse(hdr %in% keep, "numeric", "NULL")
d <- read.csv(cells_csv, colClasses = cls, check.names = FALSE)
coords <- cbind(origin[1] + (d$col + 0.5) * cell, origin[2] + (d$row + 0.5) * cell)
x <- as.numeric(d$count)
t1 <- proc.time()[["elapsed"]]

# use_kd_tree = TRUE is dnearneigh's default; it uses dbscan::frNN when the
# dbscan package is installed, else spdep's own C code.
kd <- requireNamespace("dbscan", quietly = TRUE)
nb <- dnearneigh(coords, 0, band)
t2 <- proc.time()[["elapsed"]]
nb <- include.self(nb)
lw <- nb2listw(nb, style = "B")
t3 <- proc.time()[["elapsed"]]

ta <- t3 # start of the (last) statistic
if (nsim > 0) {
  for (ns in nsims) {
    ta <- proc.time()[["elapsed"]]
    g <- localG_perm(x, lw, nsim = ns, iseed = 1)
    t4 <- proc.time()[["elapsed"]]
    cat(sprintf("spdep: localG_perm nsim %d %.3f s\n", ns, t4 - ta))
  }
  za <- as.numeric(localG(x, lw))
  t5 <- proc.time()[["elapsed"]]
  ints <- attr(g, "internals")
  psim_col <- grep(" Sim$", colnames(ints), value = TRUE)
  psim_col <- psim_col[psim_col != "Pr(folded) Sim"][1]
} else {
  za <- as.numeric(localG(x, lw))
  t4 <- t5 <- proc.time()[["elapsed"]]
}

f17 <- function(v) ifelse(is.finite(v), sprintf("%.17g", v), "")
cols <- list(unit_id = sprintf("%.0f", d$unit_id), neighbours = card(nb) - 1L, z = f17(za))
if (nsim > 0) {
  cols$z_perm <- f17(as.numeric(g))
  cols$p_sim <- f17(ints[, psim_col])
  cols$p_folded <- f17(ints[, "Pr(folded) Sim"])
}
writeLines(c(paste(names(cols), collapse = ","), do.call(paste, c(cols, sep = ","))), out)
t6 <- proc.time()[["elapsed"]]

cat(sprintf("spdep: read %.3f s, dnearneigh %.3f s, include.self+nb2listw %.3f s, statistic %.3f s, localG %.3f s, write %.3f s, cells %d, links %.0f, nsim %d, kd_tree %s, spdep %s, dbscan %s\n",
            t1 - t0, t2 - t1, t3 - t2, t4 - ta, t5 - t4, t6 - t5, length(x), sum(as.numeric(card(nb))), nsim,
            if (kd) "dbscan::frNN" else "spdep C (dbscan not installed)",
            format(packageVersion("spdep")), if (kd) format(packageVersion("dbscan")) else "-"))
