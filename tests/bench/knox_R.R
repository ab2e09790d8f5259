# Plain R Knox near-repeat test, the peer of `safemap nearrepeat` in the
# `nearrepeat` bench entry (tests/bench/README.md). R's NearRepeat package
# is not installable here (no CRAN), so this is the same test written the
# way an analyst would in base R + dbscan:
#
#   Rscript knox_R.R IN.csv OUT.csv SPACE_BREAKS TIME_BREAKS NSIM SEED
#
# IN.csv: columns X, Y (metres) and Date (YYYY-MM-DD). Breaks are comma lists
# from 0 (metres, days). Intervals [a, b); Manhattan distance (safemap's and
# NearRepeat's default). Rows: "same location" (distance 0), the bands
# [0, b1) .. [b_{k-1}, b_k) without distance 0, and "beyond" b_k; columns:
# the time bands and "beyond". Close pairs (distance < b_k) come from
# dbscan::frNN with eps = b_k (Euclidean <= Manhattan, so every Manhattan
# close pair is among them); the beyond row is the all-pairs count per time
# band (from the sorted dates) minus the close rows. NSIM permutations of the
# dates (sample()); Knox ratio = observed / mean of the simulations,
# p = (#sim >= observed + 1) / (NSIM + 1).
#
# Writes OUT.csv with one row per cell, spatial-major, as safemap's output:
# row, col, observed, sim_mean, knox_ratio, p. Prints stage times on stdout
# ("R: ..." lines) for run.sh.
suppressPackageStartupMessages(library(dbscan))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 6) stop("usage: knox_R.R IN.csv OUT.csv SPACE_BREAKS TIME_BREAKS NSIM SEED")
sb <- as.numeric(strsplit(args[3], ",")[[1]])
tb <- as.numeric(strsplit(args[4], ",")[[1]])
nsim <- as.integer(args[5])
seed <- as.integer(args[6])
B <- sb[length(sb)]
ns <- length(sb); nt <- length(tb)
rows <- ns + 1; cols <- nt # same location, ns - 1 bands, beyond; nt - 1 bands, beyond

tic <- function() proc.time()[["elapsed"]]
t0 <- tic()
hdr <- names(read.csv(args[1], nrows = 1, check.names = FALSE))
cc <- ifelse(hdr %in% c("X", "Y"), "numeric", ifelse(hdr == "Date", "character", "NULL"))
d <- read.csv(args[1], colClasses = cc, check.names = FALSE)
x <- d$X; y <- d$Y
tt <- as.numeric(as.Date(d$Date)) # days
n <- length(x)
t_read <- tic() - t0

# ---- close pairs: fixed-radius neighbours, each pair once (i < j)
t0 <- tic()
nn <- frNN(cbind(x, y), eps = B, sort = FALSE)
t_frnn <- tic() - t0
t0 <- tic()
pi <- rep.int(seq_len(n), lengths(nn$id))
pj <- unlist(nn$id, use.names = FALSE)
rm(nn); invisible(gc())
keep <- pi < pj
pi <- pi[keep]; pj <- pj[keep]
dist <- abs(x[pi] - x[pj]) + abs(y[pi] - y[pj]) # Manhattan
keep <- dist < B
pi <- pi[keep]; pj <- pj[keep]; dist <- dist[keep]
prow <- ifelse(dist == 0, 0L, findInterval(dist, sb)) # 0 same location, 1 .. ns - 1 bands
rm(keep, dist); invisible(gc())
base <- prow * cols # cell index - 1 before adding the time column
t_pairs <- tic() - t0

# ---- all pairs per time band (independent of the permutation)
t0 <- tic()
ts <- sort(tt)
below <- vapply(tb[-1], function(b) sum(as.numeric(findInterval(ts + b, ts, left.open = TRUE) - seq_len(n))), 0)
total <- c(below[1], diff(below), n * (n - 1) / 2 - below[length(below)])
t_total <- tic() - t0

knox_table <- function(tv) {
  tcol <- findInterval(abs(tv[pi] - tv[pj]), tb) # 1 .. nt (nt: beyond)
  tab <- tabulate(base + tcol, nbins = rows * cols)
  m <- matrix(as.numeric(tab), nrow = rows, byrow = TRUE)
  m[rows, ] <- total - colSums(m[-rows, , drop = FALSE])
  as.vector(t(m)) # spatial-major
}
t0 <- tic()
obs <- knox_table(tt)
t_obs <- tic() - t0

t0 <- tic()
set.seed(seed)
sims <- matrix(0, nrow = nsim, ncol = rows * cols)
for (s in seq_len(nsim)) sims[s, ] <- knox_table(sample(tt))
t_perm <- tic() - t0

sim_mean <- colMeans(sims)
ge <- colSums(sweep(sims, 2, obs, ">="))
out <- data.frame(row = rep(seq_len(rows) - 1L, each = cols), col = rep(seq_len(cols) - 1L, rows),
                  observed = obs, sim_mean = sim_mean,
                  knox_ratio = ifelse(sim_mean > 0, obs / sim_mean, NA),
                  p = (ge + 1) / (nsim + 1))
t0 <- tic()
write.csv(out, args[2], row.names = FALSE)
t_write <- tic() - t0
cat(sprintf("R: read %.3f s, frNN %.3f s, pairs %.3f s (%d close pairs), totals %.3f s, observed %.3f s, permutations %d %.3f s, write %.3f s\n",
            t_read, t_frnn, t_pairs, length(pi), t_total, t_obs, nsim, t_perm, t_write))
