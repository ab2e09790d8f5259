# spdep_wards.R -- ward contiguity, Gi*, local Moran and global Moran goldens (spdep).
# Run from this folder:  Rscript spdep_wards.R
# Reads  ../../../../data/wards/camden_wards_2024.gpkg  (layer "wards", EPSG:27700)
#        ../camden_ward_counts.csv                      (area_id = WD24CD, area_name, total)
# Writes neighbours.csv   contiguity,from_id,to_id (queen and rook, ordered pairs, sorted)
#        wards_stats.csv  one row per ward in gpkg order (see README.md for columns)
#        global.csv       moran.test, queen, style W, randomisation = TRUE
# Every number is written with sprintf("%.17g").
suppressMessages({ library(sf); library(spdep) })
options(warn = 2)                     # any warning is an error here

f17 <- function(v) if (is.numeric(v)) sprintf("%.17g", v) else as.character(v)
write17 <- function(df, file) {
  lines <- c(paste(names(df), collapse = ","),
             do.call(paste, c(lapply(df, f17), sep = ",")))
  writeLines(lines, file)
}

## ---------------------------------------------------------------- input
w <- st_read("../../../../data/wards/camden_wards_2024.gpkg", layer = "wards", quiet = TRUE)
stopifnot(nrow(w) == 20L, !anyDuplicated(w$WD24CD))
cnt <- read.csv("../camden_ward_counts.csv", colClasses = c("character", "character", "numeric"))
stopifnot(setequal(cnt$area_id, w$WD24CD), !anyDuplicated(cnt$area_id))
ids <- w$WD24CD
x <- cnt$total[match(ids, cnt$area_id)]
stopifnot(!anyNA(x))

## ---------------------------------------------------------------- contiguity
# Default snap = sqrt(.Machine$double.eps); comparisons are between vertices only.
nbq <- poly2nb(w, queen = TRUE)
nbr <- poly2nb(w, queen = FALSE)
stopifnot(all(card(nbq) > 0), all(card(nbr) > 0))   # no ward without neighbours

pairs <- function(nb, lab) {
  do.call(rbind, lapply(seq_along(nb), function(i) {
    j <- nb[[i]]; j <- j[j > 0]
    if (length(j)) data.frame(contiguity = lab, from_id = ids[i], to_id = ids[j])
  }))
}
nbdf <- rbind(pairs(nbq, "queen"), pairs(nbr, "rook"))
nbdf <- nbdf[order(nbdf$contiguity, nbdf$from_id, nbdf$to_id), ]
write17(nbdf, "neighbours.csv")

## ---------------------------------------------------------------- Gi*
gq <- localG(x, nb2listw(include.self(nbq), style = "B"))
gr <- localG(x, nb2listw(include.self(nbr), style = "B"))
stopifnot(isTRUE(attr(gq, "gstari")), isTRUE(attr(gr, "gstari")))

## ---------------------------------------------------------------- local Moran
lmB <- localmoran(x, nb2listw(nbq, style = "B"))   # conditional, two-sided (defaults)
lmW <- localmoran(x, nb2listw(nbq, style = "W"))

st <- data.frame(id = ids, total = x,
                 gi_queen = as.numeric(gq), gi_rook = as.numeric(gr),
                 lisa_i_queen = as.numeric(lmB[, "Ii"]),
                 lisa_z_queen = as.numeric(lmB[, "Z.Ii"]),
                 lisa_p_queen = as.numeric(lmB[, 5]),
                 lisa_i_queen_w = as.numeric(lmW[, "Ii"]),
                 lisa_z_queen_w = as.numeric(lmW[, "Z.Ii"]))
write17(st, "wards_stats.csv")

## ---------------------------------------------------------------- global Moran
mt <- moran.test(x, nb2listw(nbq, style = "W"), randomisation = TRUE)
write17(data.frame(I = unname(mt$estimate["Moran I statistic"]),
                   expectation = unname(mt$estimate["Expectation"]),
                   variance = unname(mt$estimate["Variance"]),
                   z = unname(mt$statistic)), "global.csv")

cat("queen card:", card(nbq), "\nrook  card:", card(nbr), "\n")
cat("p column used for lisa_p_queen:", colnames(lmB)[5], "\n")
