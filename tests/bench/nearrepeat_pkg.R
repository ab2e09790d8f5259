# nearrepeat_pkg.R: R's NearRepeat package (Steenbeek; github.com/wsteenbeek/NearRepeat, GPL-3) on the bench's dated
# incidents, the peer the issue names for `safemap nearrepeat`. It is on GitHub/CRAN only; its Debian dependencies
# (r-cran-future.apply, r-cran-ggplot2) are installed by install_peers.sh and the package itself with
# `R CMD INSTALL` from its source (see tests/bench/README.md). run.sh uses it only when it is installed.
#
#   Rscript nearrepeat_pkg.R IN.csv OUT.csv SPACE_BREAKS TIME_BREAKS NREP SEED
#
# IN.csv: X, Y (metres), Date (YYYY-MM-DD). NearRepeat(x, y, time, sds, tds, nrep) with its defaults: Manhattan
# distance, intervals [a, b) (right = FALSE, include.lowest = FALSE), future_lapply on the default sequential plan
# (one core). The bands are safemap's: sds = c(0, 0.001, SPACE_BREAKS[-1], Inf) (NearRepeat's own "same location"
# band of its examples, then the bands, then beyond), tds = c(TIME_BREAKS, Inf) (days, then beyond), so the table is
# safemap's 12 x 11 for 10 + 10 bands. NearRepeat computes every pair's distance with dist(): n(n - 1)/2 doubles for
# space and again for time in every permutation, so memory and time grow with n^2.
#
# Writes OUT.csv as knox_R.R does (row, col, observed, sim_mean, knox_ratio, p; spatial-major) for compare_knox.py,
# and prints "R: ..." timing lines: the NearRepeat() call, and the time of one more permutation done the way
# NearRepeat does one (dist(sample(time)) + cut + table), measured twice, for the estimate at other NREP.
suppressPackageStartupMessages(library(NearRepeat))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 6) stop("usage: nearrepeat_pkg.R IN.csv OUT.csv SPACE_BREAKS TIME_BREAKS NREP SEED")
sb <- as.numeric(strsplit(args[3], ",")[[1]])
tb <- as.numeric(strsplit(args[4], ",")[[1]])
nrep <- as.integer(args[5])
tic <- function() proc.time()[["elapsed"]]
t0 <- tic()
hdr <- names(read.csv(args[1], nrows = 1, check.names = FALSE))
cc <- ifelse(hdr %in% c("X", "Y"), "numeric", ifelse(hdr == "Date", "character", "NULL"))
d <- read.csv(args[1], colClasses = cc, check.names = FALSE)
d$Date <- as.Date(d$Date)
t_read <- tic() - t0
sds <- c(0, 0.001, sb[-1], Inf)
tds <- c(tb, Inf)
set.seed(as.integer(args[6]))
t0 <- tic()
r <- NearRepeat(x = d$X, y = d$Y, time = d$Date, sds = sds, tds = tds, nrep = nrep, saveSimulations = TRUE)
t_call <- tic() - t0
# one permutation as NearRepeat does it, twice
s_cut <- cut(dist(cbind(d$X, d$Y), method = "manhattan"), sds, right = FALSE, dig.lab = 10)
t0 <- tic()
for (i in 1:2) invisible(table(s_cut, cut(dist(sample(d$Date)), tds, right = FALSE, dig.lab = 10)))
t_one <- (tic() - t0) / 2
obs <- as.vector(t(unclass(r$observed)))  # spatial-major
sims <- r$array_Knox
rows <- dim(sims)[1]; cols <- dim(sims)[2]
sim_mean <- as.vector(t(apply(sims, 1:2, mean)))
p <- as.vector(t(unclass(r$pvalues)))
out <- data.frame(row = rep(seq_len(rows) - 1L, each = cols), col = rep(seq_len(cols) - 1L, rows),
                  observed = obs, sim_mean = sim_mean,
                  knox_ratio = ifelse(sim_mean > 0, obs / sim_mean, NA), p = p)
write.csv(out, args[2], row.names = FALSE)
cat(sprintf("R: read %.3f s, NearRepeat(nrep = %d) %.3f s, one more permutation %.3f s, n %d\n",
            t_read, nrep, t_call, t_one, nrow(d)))
