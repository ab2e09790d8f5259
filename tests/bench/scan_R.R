# scan_R.R: the R side of the `scan` benchmark entry: the space-time
# permutation scan statistic (Kulldorff et al. 2005, as SaTScan; safemap's
# `safemap scan`, docs/methods.md §5) written the way an analyst would in plain
# R: base R + dbscan::frNN for the circles, one core, no compiled code.
#
#   Rscript scan_R.R CELLS.csv BINS.csv OUT.csv XMIN,YMIN CELL RADIUS MAXWINDOW NREP SEED
#
#   CELLS.csv  safemap emerging --grid fishnet --cell CELL --bin week -o X.csv:
#              one row per location (unit_id, row, col; the other columns are
#              skipped), locations 0..L-1 in unit_id order, each at its cell
#              centre (XMIN + (col + 0.5) CELL, YMIN + (row + 0.5) CELL)
#   BINS.csv   its X_bins.csv: location (= unit_id), step (a label such as
#              2024-01-08; the sorted labels are the time order), count; the
#              other columns are skipped; every location x step present
#   RADIUS     circles reach at most this far (metres, > 0)
#   MAXWINDOW  time windows of at most this many steps (0: half the steps,
#              SaTScan's and safemap's default)
#   NREP       Monte Carlo replications; SEED: set.seed(SEED) once
#
# The computation, as safemap's lib/scan.c (so the most likely cluster is the
# same one, and its LLR the same double):
#   c[l, t] cases, C the total, n_l = rowSums, K = cumulative colSums.
#   Circles: around every location z, the locations by (distance of the
#   centres, then index), taken while d <= RADIUS and the circle's cases stay
#   <= 0.5 C (the centre itself always); every prefix is a circle. The
#   candidates come from dbscan::frNN(coords, eps = RADIUS (1 + 1e-9)); d is
#   recomputed as sqrt(dx^2 + dy^2) and filtered with d <= RADIUS.
#   Windows: every [a, b] with b - a + 1 <= MAXWINDOW.
#   Cylinder: o = cases in the circle and window, mu = (cases in the circle)
#   (cases in the window) / C, LLR = o log(o/mu) + (C-o) log((C-o)/(C-mu)) if
#   o > mu, else 0 (o = C would need mu = C, so never o > mu). The statistic
#   is the largest LLR; the most likely cluster is the cylinder that has it
#   (ties as safemap: the smallest centre, then the smallest circle, then the
#   smallest end step, then the smallest start step).
#   Only windows that start and end at a step with a case in the circle get
#   an LLR (as safemap does): any other window with o > mu has the same o as
#   that window trimmed to such steps and a mu at least as large, and the LLR
#   falls as mu grows, so the maximum (and the cluster) is the one over all
#   windows.
#   Replications: the cases expanded to one (location, step) pair each, the
#   steps shuffled with sample(), re-tabulated with tabulate(); n_l and K do
#   not change, so neither do the circles or the expected counts.
#   p = (#replications with max LLR >= observed + 1) / (NREP + 1) (NA when
#   NREP is 0: safemap leaves it empty).
#
# How it is vectorised: the L x (T + 1) prefix sums over time of the counts,
# summed down each circle (one vectorised step per circle size), give an
# (all circles) x (T + 1) matrix PC of prefix sums. Then one loop over the
# start step a: the circles with a case at step a, times the ends e in
# a .. a + MAXWINDOW - 1, as matrices:
#   o <- PC[ra, e + 2] - PC[ra, a + 1]; mu <- outer(R[ra], K[e + 2] - K[a + 1]) / C
# and the LLR on the cells with o > mu and a case at step e only.
# Timed on the 100k test cube (9,127 cells x 52 weeks, radius 1050 m,
# MAXWINDOW 26: 108,069 circles x 1,027 windows, 111M cylinders, 51M with
# o > mu, 20M of them with cases at both ends), one permuted count matrix,
# two runs each on a shared 2-core machine (s per replication):
#   loop over start steps, circles x ends matrices, ends pruned (this)  2.0
#   loop over the 1,027 windows, vectors over all 108k circles         3.3-3.9
#     (the same with the pruning test per window: no faster, 3.7-4.3)
#   loop over centres, circle-size x window matrices per centre        4.0-4.7
#   loop over circle sizes, all-centre x window matrices               6.5-7.4
# The all-window versions spend half their time in the two logs of the LLR
# on the 51M cylinders with o > mu and the rest gathering columns
# (P[, wb + 2]) into big temporaries; grouping by start step skips the
# circles without a case at that step before anything is gathered, and
# leaves 20M LLRs. The operations that decide a value (o, mu, the LLR) are
# the same as lib/scan.c's in the same order, so the LLRs are the same
# doubles (checked against safemap scan and a brute-force loop).
#
# Writes OUT.csv (write.csv, one row, the most likely cluster: centre
# (unit_id), locations, radius_m (distance to its farthest location), start,
# end (step labels), observed, expected, llr, p) and prints on stdout
#   R: read R s, circles C s (N circles), observed O s, replications NREP P s, write W s
#   R: most likely cluster: centre U, L locations, radius R m, START to END, O observed vs E expected, LLR X, p P
suppressPackageStartupMessages(library(dbscan))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 9)
  stop("usage: Rscript scan_R.R CELLS.csv BINS.csv OUT.csv XMIN,YMIN CELL RADIUS MAXWINDOW NREP SEED")
cells_csv <- args[1]
bins_csv <- args[2]
out <- args[3]
origin <- as.numeric(strsplit(args[4], ",", fixed = TRUE)[[1]])
cell <- as.numeric(args[5])
radius <- as.numeric(args[6])
maxwin <- as.integer(args[7])
nrep <- as.integer(args[8])
seed <- as.integer(args[9])
stopifnot(length(origin) == 2, cell > 0, radius > 0, is.finite(radius), maxwin >= 0, nrep >= 0, !is.na(seed))
share <- 0.5

tic <- function() proc.time()[["elapsed"]]

# ---- read: the L x T count matrix
t0 <- tic()
only <- function(path, keep, classes) {
  hdr <- names(read.csv(path, nrows = 1, check.names = FALSE))
  if (!all(keep %in% hdr)) stop(path, " lacks one of ", paste(keep, collapse = ", "))
  cls <- rep("NULL", length(hdr))
  cls[match(keep, hdr)] <- classes
  read.csv(path, colClasses = cls, check.names = FALSE)
}
d <- only(cells_csv, c("unit_id", "row", "col"), c("numeric", "numeric", "numeric"))
b <- only(bins_csv, c("location", "step", "count"), c("numeric", "character", "numeric"))
d <- d[order(d$unit_id), ]
L <- nrow(d)
x <- origin[1] + (d$col + 0.5) * cell
y <- origin[2] + (d$row + 0.5) * cell
steps <- sort(unique(b$step))
nt <- length(steps)
li <- match(b$location, d$unit_id)
if (anyNA(li)) stop(bins_csv, " has locations that are not in ", cells_csv)
cm <- matrix(NA_real_, L, nt) # counts, location x step
cm[cbind(li, match(b$step, steps))] <- b$count
if (anyNA(cm)) stop("the cube is not complete: ", sum(is.na(cm)), " bins missing")
if (any(cm < 0 | cm != floor(cm))) stop("counts must be whole numbers >= 0")
rm(b)
C <- sum(cm)
if (L < 2 || nt < 2 || C < 2) stop("a space-time scan needs 2 locations, 2 steps and 2 cases")
n_l <- rowSums(cm)
K <- c(0, cumsum(colSums(cm))) # K[t + 1]: cases in steps 0 .. t - 1
t_read <- tic() - t0

# ---- circles: row k of the circle tables is (centre ci[k], size sz[k]),
# ordered by centre, then size; its newest location cj[k] at distance dd[k]
t0 <- tic()
nn <- frNN(cbind(x, y), eps = radius * (1 + 1e-9), sort = FALSE)
ci <- c(seq_len(L), rep.int(seq_len(L), lengths(nn$id))) # the centre itself too
cj <- c(seq_len(L), unlist(nn$id, use.names = FALSE))
rm(nn)
dd <- sqrt((x[cj] - x[ci])^2 + (y[cj] - y[ci])^2)
k <- dd <= radius
ci <- ci[k]; cj <- cj[k]; dd <- dd[k]
o <- order(ci, dd, cj)
ci <- ci[o]; cj <- cj[o]; dd <- dd[o]
sz <- sequence(tabulate(ci, L)) # 1 for the centre, 2 for the nearest other, ...
cum <- cumsum(n_l[cj])
Rc <- cum - c(0, cum)[match(ci, ci)] # cases in the circle (within its centre's group)
k <- sz == 1 | Rc <= share * C # prefixes: Rc only grows
ci <- ci[k]; cj <- cj[k]; dd <- dd[k]; sz <- sz[k]; Rc <- Rc[k]
rm(k, o, cum)
ncirc <- length(ci)
smax <- max(sz)
by_size <- lapply(seq_len(smax), function(s) which(sz == s)) # circle s of a centre is row (circle s - 1) + 1
# windows: [a, e] with e - a + 1 <= W; for start step a the ends ends[[a + 1]] (0-based steps)
W <- if (maxwin > 0) min(maxwin, nt) else (nt + 1) %/% 2
ends <- lapply(0:(nt - 1), function(a) a:min(nt - 1, a + W - 1))
t_circles <- tic() - t0

# (all circles) x (T + 1) prefix sums over time of the cases in each circle
circle_prefix <- function(cm) {
  P <- matrix(0, nrow(cm), nt + 1)
  for (t in seq_len(nt)) P[, t + 1] <- P[, t] + cm[, t]
  PC <- matrix(0, ncirc, nt + 1)
  for (s in seq_len(smax)) {
    r <- by_size[[s]]
    PC[r, ] <- if (s == 1) P[cj[r], , drop = FALSE] else PC[r - 1, , drop = FALSE] + P[cj[r], , drop = FALSE]
  }
  PC
}
# o > mu excludes o = C (that needs every case in the circle and the window,
# so mu = C too): the second term is always finite
llr_of <- function(o, mu) o * log(o / mu) + (C - o) * log((C - o) / (C - mu))
# The largest LLR of a count matrix; with ties = TRUE also every cylinder
# that has it (circle row, a, e). Per start step a: the circles with a case
# at step a, times every end e, as one matrix; only cylinders with a case at
# their end step and o > mu get an LLR.
scan_max <- function(cm, ties = FALSE) {
  PC <- circle_prefix(cm)
  has <- PC[, -1] > PC[, -(nt + 1)] # ncirc x T: the circle has a case at that step
  top <- 0
  at <- NULL
  for (a in 0:(nt - 1)) {
    ra <- which(has[, a + 1])
    if (!length(ra)) next
    ee <- ends[[a + 1]]
    o <- PC[ra, ee + 2, drop = FALSE] - PC[ra, a + 1] # length(ra) x length(ee)
    mu <- outer(Rc[ra], K[ee + 2] - K[a + 1]) / C
    pos <- which(o > mu & has[ra, ee + 1, drop = FALSE])
    if (!length(pos)) next
    v <- llr_of(o[pos], mu[pos])
    m <- max(v)
    if (m < top) next
    if (ties) {
      q <- pos[v == m] - 1L
      here <- cbind(ra[q %% length(ra) + 1L], a, ee[q %/% length(ra) + 1L])
      at <- if (m > top) here else rbind(at, here)
    }
    top <- m
  }
  if (ties) list(top = top, at = at) else top
}

# ---- observed: the largest LLR and the cylinder that has it (ties as
# safemap: the smallest centre, then the smallest circle (= the smallest
# circle row), then the smallest end step, then the smallest start step)
t0 <- tic()
res_obs <- scan_max(cm, ties = TRUE)
llr <- res_obs$top
found <- llr > 0
if (found) {
  at <- res_obs$at
  at <- at[order(at[, 1], at[, 3], at[, 2]), , drop = FALSE]
  kbest <- at[1, 1]; a <- at[1, 2]; e <- at[1, 3]
  PC <- circle_prefix(cm)
  observed <- PC[kbest, e + 2] - PC[kbest, a + 1]
  expected <- Rc[kbest] * (K[e + 2] - K[a + 1]) / C
  rm(PC)
}
t_obs <- tic() - t0

# ---- replications: the cases' steps shuffled over the cases
t0 <- tic()
set.seed(seed)
cell_of_case <- rep.int(seq_len(L * nt), as.vector(cm)) # column-major: location fastest
case_l <- (cell_of_case - 1L) %% L + 1L
case_t <- (cell_of_case - 1L) %/% L + 1L
rm(cell_of_case)
repmax <- numeric(nrep)
for (r in seq_len(nrep)) {
  tt <- sample(case_t)
  repmax[r] <- scan_max(matrix(as.numeric(tabulate(case_l + (tt - 1L) * L, L * nt)), L, nt))
}
t_rep <- tic() - t0

# ---- write
t0 <- tic()
if (found) {
  p <- if (nrep > 0) (sum(repmax >= llr) + 1) / (nrep + 1) else NA_real_
  res <- data.frame(centre = d$unit_id[ci[kbest]], locations = sz[kbest], radius_m = dd[kbest],
                    start = steps[a + 1], end = steps[e + 1], observed = observed, expected = expected,
                    llr = llr, p = p)
} else {
  res <- data.frame(centre = numeric(0), locations = integer(0), radius_m = numeric(0), start = character(0),
                    end = character(0), observed = numeric(0), expected = numeric(0), llr = numeric(0), p = numeric(0))
}
write.csv(res, out, row.names = FALSE)
t_write <- tic() - t0

cat(sprintf("R: read %.3f s, circles %.3f s (%d circles), observed %.3f s, replications %d %.3f s, write %.3f s\n",
            t_read, t_circles, ncirc, t_obs, nrep, t_rep, t_write))
if (found) {
  cat(sprintf("R: most likely cluster: centre %s, %d locations, radius %.1f m, %s to %s, %.0f observed vs %.2f expected, LLR %.4f, p %s\n",
              format(res$centre), res$locations, res$radius_m, res$start, res$end, res$observed, res$expected,
              res$llr, if (is.na(res$p)) "NA" else format(signif(res$p, 4))))
} else {
  cat("R: most likely cluster: none (no cylinder has more cases than expected)\n")
}
